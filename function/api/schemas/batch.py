"""Request and response models of POST /classify/batch."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from function.api.schemas.common import ModelRef, ModelStatus, PredictionOut, error

MAX_BATCH_IMAGES = 16


class BatchByKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Counted by the route, not here: too many is a 413 and none a 400, not a 422.
    s3_keys: list[str] = Field(description=f"1 to {MAX_BATCH_IMAGES} keys from POST /uploads.")


class EntryError(BaseModel):
    code: str = Field(description="The same codes as a single /classify would answer.")
    message: str


class BatchEntry(BaseModel):
    filename: str | None = Field(None, description="The multipart part's filename.")
    s3_key: str | None = Field(None, description="The key, for a JSON batch.")
    cache: Literal["hit", "miss"] | None = Field(
        None, description="Whether the result came from the content cache; null on read errors."
    )
    predictions: list[PredictionOut] | None = Field(None, description="Absent on error.")
    error: EntryError | None = Field(None, description="Why this image has no predictions.")
    warning: str | None = Field(
        None, description="Beside predictions from a model unfit for production (random weights)."
    )


class BatchResponse(ModelStatus):
    results: list[BatchEntry] = Field(description="One entry per input, in input order.")
    model: ModelRef


BATCH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("no_images, invalid_json, malformed_multipart, invalid_parameter."),
    413: error("too_many_images (more than 16) or payload_too_large (the whole body)."),
    415: error("unsupported_media_type: send multipart/form-data or application/json."),
    422: error("invalid_parameter: unknown fields or a wrong type."),
    501: error("s3_not_configured: a JSON batch needs IMAGES_BUCKET."),
    503: error("model_unavailable."),
}

_FILES = {"type": "array", "items": {"type": "string", "format": "binary"}}
BATCH_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": f"1 to {MAX_BATCH_IMAGES} images, as repeated multipart file fields "
        "named 'images' (`curl -F images=@a.jpg -F images=@b.jpg`), or a JSON list of keys "
        "from POST /uploads. The whole body has the same size limit as /classify.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["images"],
                    "properties": {"images": _FILES},
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["s3_keys"],
                    "additionalProperties": False,
                    "properties": {"s3_keys": {"type": "array", "items": {"type": "string"}}},
                }
            },
        },
    }
}
