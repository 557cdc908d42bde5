"""Request and response models of POST /uploads and of classification by S3 key."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from function.api.schemas.common import error


class ClassifyByKey(BaseModel):
    model_config = ConfigDict(extra="forbid")

    s3_key: str = Field(description="A key returned by POST /uploads, after the upload.")


class PresignedPost(BaseModel):
    url: str = Field(description="POST the form here.")
    fields: dict[str, str] = Field(
        description="Send every one of these as form fields, then the file as the field 'file'."
    )


class UploadResponse(BaseModel):
    key: str = Field(description="Where the image will be; pass it to POST /classify.")
    upload: PresignedPost
    expires_in: int = Field(description="Seconds the presigned POST stays valid.")
    max_bytes: int = Field(description="Largest file S3 will accept for this key.")


X_CACHE_HEADER = {
    "x-cache": {
        "description": "'hit' when the answer came from the content cache, else 'miss'.",
        "schema": {"type": "string", "enum": ["hit", "miss"]},
    }
}

# The by-key errors, added to /classify's own.
BY_KEY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error(
        "Malformed request: empty body, missing 'image' field, broken multipart, "
        "invalid_json, invalid_s3_key."
    ),
    404: error("object_not_found: nothing was uploaded under the key (or it expired)."),
    413: error("payload_too_large (body or S3 object) or image_too_many_pixels."),
    501: error("s3_not_configured: JSON bodies need IMAGES_BUCKET."),
    503: error("model_unavailable, or storage_unavailable (S3 throttled, timed out, refused)."),
}

UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    422: error("invalid_parameter: content_type is not an image/* type."),
    501: error("s3_not_configured: set IMAGES_BUCKET."),
    503: error("storage_unavailable: the upload could not be signed."),
}

BY_KEY_BODY = {
    "schema": {
        "type": "object",
        "required": ["s3_key"],
        "additionalProperties": False,
        "properties": {"s3_key": {"type": "string", "examples": ["uploads/Zr8Qx0aV"]}},
    }
}
