"""Response models and the hand-written parts of the OpenAPI schema served at /docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from function.shared.settings import get_settings

if TYPE_CHECKING:
    from function.inference.classifier import Classifier, Prediction


class PredictionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    # No upper bound on the index: the model's metadata.json, not this schema, says how many
    # classes there are.
    label: str = Field(alias="class", description="Class name.", examples=["tabby"])
    index: int = Field(ge=0, description="Class index in the model's labels.", examples=[281])
    probability: float = Field(ge=0.0, le=1.0, description="Softmax over all the model's classes.")

    @classmethod
    def of(cls, prediction: Prediction) -> PredictionOut:
        return cls(
            label=prediction.label, index=prediction.index, probability=prediction.probability
        )


class ModelRef(BaseModel):
    name: str = Field(examples=["resnet18-int8"])
    version: str = Field(description="First 12 hex digits of the sha256 of model.pt.")

    @classmethod
    def of(cls, model: Classifier) -> ModelRef:
        return cls(name=f"{model.metadata['architecture']}-int8", version=model.version)


class ClassifyResponse(BaseModel):
    predictions: list[PredictionOut] = Field(description="Sorted by probability, descending.")
    model: ModelRef


class HealthResponse(BaseModel):
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


class ErrorResponse(BaseModel):
    error: ErrorBody


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


CLASSIFY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request: empty body, missing 'image' field, broken multipart."),
    413: _error("payload_too_large or image_too_many_pixels."),
    415: _error("unsupported_media_type or unsupported_image_format."),
    422: _error("invalid_parameter, image_truncated or image_decode_error."),
    500: _error("internal_error: a bug on our side; the body never carries a traceback."),
    503: _error("model_unavailable."),
}

_BINARY = {"type": "string", "format": "binary"}


def media_type(image_format: str) -> str:
    """The MIME type of a Pillow format name (AVIF -> image/avif)."""
    return Image.MIME.get(image_format, f"image/{image_format.lower()}")


def classify_request_body(allowed_formats: tuple[str, ...]) -> dict[str, Any]:
    """The request body of POST /classify, listing exactly the formats the service decodes."""
    raw = {media_type(name): {"schema": _BINARY} for name in allowed_formats}
    multipart = {"type": "object", "required": ["image"], "properties": {"image": _BINARY}}
    return {
        "requestBody": {
            "required": True,
            "description": "The image, either as a multipart file field named 'image' (as with "
            "`curl -F image=@cat.jpg`) or as the raw request body with an image/* Content-Type. "
            f"Formats: {', '.join(allowed_formats)}.",
            "content": {
                "multipart/form-data": {"schema": multipart},
                **raw,
                "application/octet-stream": {"schema": _BINARY},
            },
        }
    }


CLASSIFY_REQUEST_BODY = classify_request_body(get_settings().allowed_formats)
