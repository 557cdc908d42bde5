"""/health's model card: what was built, from what, and what int8 quantization cost.

Read from metadata.json as the build wrote it; fields a model built by an older version
of the export lacks are null.
"""

from __future__ import annotations

from typing import Any, Literal

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


class DiscordantOut(BaseModel):
    fp32_only: int = Field(description="Images only fp32 classified right (top-1).")
    int8_only: int = Field(description="Images only int8 classified right (top-1).")


class EvaluationOut(BaseModel):
    images: int = Field(description="Images in the build's EVAL_DIR.")
    classes: int = Field(description="How many of the model's classes had images there.")
    fp32: AccuracyOut
    int8: AccuracyOut
    top1_agreement: float = Field(description="Percent of images where both agree on top-1.")
    top1_drop: float = Field(description="fp32 top-1 minus int8 top-1, in percentage points.")
    max_top1_drop: float = Field(
        description="The limit: the build fails when the drop is above it and significant."
    )
    discordant: DiscordantOut | None = Field(
        None, description="Images where exactly one model is right; null for older builds."
    )
    mcnemar_p: float | None = Field(
        None,
        description="McNemar's exact one-sided p-value that int8 is worse than fp32, from the "
        "discordant images; null for older builds.",
    )
    top1_drop_ci95: list[float] | None = Field(
        None,
        min_length=2,
        max_length=2,
        description="95% interval on the top-1 drop, in points (Agresti-Min, paired).",
    )
    significance: float | None = Field(None, description="The p-value below which it fails.")
    gate: Literal["pass", "warn"] | None = Field(
        None,
        description="'warn': the drop is over the limit, but too few images to tell it from "
        "noise, so the build went on. A significant drop over the limit fails the build.",
    )


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
