"""Response models and the hand-written parts of the OpenAPI schema served at /docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from function.api.media_types import RAW_BODY_MEDIA_TYPES, RAW_IMAGE_MEDIA_TYPES
from function.api.model_card import ModelCard

if TYPE_CHECKING:
    from function.inference.classifier import Classifier, Prediction


class PredictionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    label: str = Field(
        alias="class", description="Class name, from the model's labels.", examples=["tabby"]
    )
    # No upper bound here: it is the model's num_classes - 1 (GET /health), not a constant.
    index: int = Field(ge=0, description="Class index in the model's output.", examples=[281])
    probability: float = Field(ge=0.0, le=1.0, description="Softmax over all the model's classes.")

    @classmethod
    def of(cls, prediction: Prediction) -> PredictionOut:
        return cls(
            label=prediction.label, index=prediction.index, probability=prediction.probability
        )


class ModelRef(BaseModel):
    name: str = Field(examples=["resnet18-int8"])
    version: str = Field(
        description="First 12 hex digits of the sha256 of the model file (model.pt or model.onnx)."
    )

    @classmethod
    def of(cls, model: Classifier) -> ModelRef:
        return cls(name=f"{model.metadata['architecture']}-int8", version=model.version)


class ModelStatus(BaseModel):
    """Carried by every answer with predictions, so none is mistaken for a real one."""

    production_ready: bool = Field(
        description="False when the model's weights are random: the predictions are then "
        "meaningless. The x-model-warning response header is set too."
    )
    warning: str | None = Field(description="Why the predictions must not be trusted, or null.")


class ClassifyResponse(ModelStatus):
    predictions: list[PredictionOut] = Field(description="Sorted by probability, descending.")
    model: ModelRef


class HealthResponse(ModelCard):
    status: str = Field(examples=["ok"])
    model: ModelRef
    weights: str = Field(description="'imagenet', 'path' (a local state_dict) or 'random'.")
    production_ready: bool = Field(description="False for random weights.")
    warning: str | None = Field(description="Set when the weights are random.")
    quantization_backend: str = Field(examples=["x86"])
    warmed_up: bool
    limits: dict[str, Any] = Field(description="Upload limits enforced by this deployment.")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable snake_case error code.", examples=["empty_body"])
    message: str = Field(description="Human-readable explanation.")
    request_id: str = Field(description="Also in the x-request-id header and in our logs.")
    job_id: str | None = Field(
        None,
        description="POST /jobs only: the job the failed request had already stored (GET it: "
        "its status is failed_to_submit). Absent when no job was stored.",
    )


class ErrorResponse(BaseModel):
    error: ErrorBody


def error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


CLASSIFY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("Malformed request: empty body, missing 'image' field, broken multipart."),
    413: error("payload_too_large or image_too_many_pixels."),
    415: error("unsupported_media_type or unsupported_image_format."),
    422: error("invalid_parameter, image_truncated or image_decode_error."),
    500: error("internal_error: a bug on our side; the body never carries a traceback."),
    503: error("model_unavailable."),
}

MODEL_WARNING_HEADER = {
    "x-model-warning": {
        "description": "Present only when the model is not fit for production "
        "(random weights): the same text as the body's `warning`.",
        "schema": {"type": "string"},
    }
}
CLASSIFY_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The top-k classes.", "headers": MODEL_WARNING_HEADER},
    **CLASSIFY_ERRORS,
}

_BINARY = {"type": "string", "format": "binary"}
CLASSIFY_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The image, either as a multipart file field named 'image' (as with "
        "`curl -F image=@cat.jpg`) or as the raw request body with one of the Content-Types "
        f"below. Formats: {', '.join(dict.fromkeys(RAW_IMAGE_MEDIA_TYPES.values()))} (HEIF "
        "covers iPhone HEIC); the bytes decide the format, not the label.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["image"],
                    "properties": {"image": _BINARY},
                }
            },
            **{media_type: {"schema": _BINARY} for media_type in RAW_BODY_MEDIA_TYPES},
        },
    }
}
