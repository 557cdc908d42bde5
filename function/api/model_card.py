"""/health's model card: what was built, from what, and what int8 quantization cost.

Read from metadata.json as the build wrote it; fields a model built by an older version
of the export lacks are null.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PreprocessingOut(BaseModel):
    resize: int = Field(description="The shorter side is resized to this many pixels.")
    crop: int = Field(description="Then a center crop of crop x crop pixels: the model input.")
    mean: list[float] = Field(description="Per-channel (R, G, B) mean on the 0..1 scale.")
    std: list[float] = Field(description="Per-channel (R, G, B) standard deviation.")
    interpolation: str = Field("bilinear, antialiased")


class AccuracyOut(BaseModel):
    top1: float = Field(description="Percent of evaluation images whose first class is right.")
    top5: float = Field(description="Percent whose right class is among the first five.")


class EvaluationOut(BaseModel):
    images: int = Field(description="Images in the build's EVAL_DIR.")
    classes: int = Field(description="How many of the model's classes had images there.")
    fp32: AccuracyOut
    int8: AccuracyOut
    top1_agreement: float = Field(description="Percent of images where both agree on top-1.")
    top1_drop: float = Field(description="fp32 top-1 minus int8 top-1, in percentage points.")
    max_top1_drop: float = Field(description="The build fails above this drop.")


class ModelCard(BaseModel):
    architecture: str = Field(examples=["resnet18"])
    num_classes: int = Field(description="The most predictions top_k may ask for.")
    labels_source: str | None = Field(description="'imagenet' or the build's LABELS file name.")
    weights_source: str | None = Field(examples=["torchvision IMAGENET1K_FBGEMM_V1 (int8)"])
    weights_sha256: str | None = Field(description="sha256 of the weights file the build read.")
    preprocessing: PreprocessingOut
    calibration_images: int | None = Field(
        description="Images the int8 activation ranges were calibrated on; null when the "
        "weights came already quantized (torchvision's ImageNet ones)."
    )
    evaluation: EvaluationOut | None = Field(
        description="fp32 and int8 accuracy on the build's EVAL_DIR; null without one."
    )

    @classmethod
    def fields(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        """The card's fields from metadata.json, as keyword arguments."""
        return {name: metadata.get(name) for name in cls.model_fields}
