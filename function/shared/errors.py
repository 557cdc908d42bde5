"""The service's one exception hierarchy.

Each class carries the HTTP status and a stable, snake_case error code that clients may
branch on. `app.py` renders every one of them as {"error": {"code": ..., "message": ...,
"request_id": ...}}, plus the error's `fields` (such as the job_id of a job that a failed
POST /jobs created). This module imports nothing from FastAPI so the model and preprocessing
code can raise them.
"""

from __future__ import annotations

from collections.abc import Mapping


class ServiceError(Exception):
    status_code: int = 500
    code: str = "internal_error"
    default_message: str = "The server failed to process the request."

    def __init__(self, message: str | None = None, fields: Mapping[str, str] | None = None) -> None:
        self.message = message or self.default_message
        # Beside code, message and request_id in the error object; documented in ErrorBody.
        self.fields = dict(fields or {})
        super().__init__(self.message)


class BadRequest(ServiceError):
    status_code = 400
    code = "bad_request"
    default_message = "The request is malformed."


class EmptyBody(BadRequest):
    code = "empty_body"
    default_message = "The request carries no image bytes."


class MissingImageField(BadRequest):
    code = "missing_image_field"
    default_message = "Send the image as the multipart form field named 'image'."


class MalformedMultipart(BadRequest):
    code = "malformed_multipart"
    default_message = "The multipart/form-data body could not be parsed."


class BodyNotBinary(BadRequest):
    code = "body_not_binary"
    default_message = (
        "The image arrived re-encoded as UTF-8 text, so its bytes are destroyed. Behind API "
        "Gateway this means the API's BinaryMediaTypes does not cover the request's "
        "Content-Type (template.yaml lists multipart/form-data and each accepted image type); "
        "check the deployed API's settings and send the file as binary (curl -F or "
        "--data-binary)."
    )


class InvalidParameter(ServiceError):
    status_code = 422
    code = "invalid_parameter"
    default_message = "A request parameter is invalid."


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"
    default_message = "The image is larger than this service accepts."


class ImageTooManyPixels(ServiceError):
    status_code = 413
    code = "image_too_many_pixels"
    default_message = "The image has more pixels than this service accepts."


class UnsupportedMediaType(ServiceError):
    status_code = 415
    code = "unsupported_media_type"
    default_message = "Send multipart/form-data with an 'image' field, or a raw image body."


class UnsupportedImageFormat(ServiceError):
    status_code = 415
    code = "unsupported_image_format"
    default_message = "The bytes are not an image in a supported format."


class ImageTruncated(ServiceError):
    status_code = 422
    code = "image_truncated"
    default_message = "The image data ends early; the file is truncated."


class ImageDecodeError(ServiceError):
    status_code = 422
    code = "image_decode_error"
    default_message = "The image could not be decoded."


class ModelUnavailable(ServiceError):
    status_code = 503
    code = "model_unavailable"
    default_message = "The model is not loaded."


# --- S3 uploads, batches and the content cache (issue 8) ---


class InvalidJson(BadRequest):
    code = "invalid_json"
    default_message = "The request body is not valid JSON."


class InvalidS3Key(BadRequest):
    code = "invalid_s3_key"
    default_message = "The key is not one this service issued: get one from POST /uploads."


class NoImages(BadRequest):
    code = "no_images"
    default_message = "The batch holds no image."


class ObjectNotFound(ServiceError):
    status_code = 404
    code = "object_not_found"
    default_message = "No object under that key: upload the file first, within the URL's expiry."


class TooManyImages(ServiceError):
    status_code = 413
    code = "too_many_images"
    default_message = "A batch holds at most 16 images."


class S3NotConfigured(ServiceError):
    status_code = 501
    code = "s3_not_configured"
    default_message = (
        "This deployment has no images bucket: set IMAGES_BUCKET (the template's ImagesBucket "
        "does) to enable uploads and classification by S3 key."
    )


class StorageUnavailable(ServiceError):
    status_code = 503
    code = "storage_unavailable"
    default_message = "Image storage is unavailable (throttled, timed out or refused); retry later."


# --- Jobs, the worker and the S3 drop folder (issue 9) ---


class JobNotFound(ServiceError):
    status_code = 404
    code = "job_not_found"
    default_message = "No job with that id: it never existed, or it expired."


class ResultNotFound(ServiceError):
    status_code = 404
    code = "result_not_found"
    default_message = "No result for that key yet: the worker has not classified it, or it expired."


class InvalidNextToken(BadRequest):
    code = "invalid_next_token"
    default_message = "The next_token is not one this job's previous page returned."


class IdempotencyKeyReused(ServiceError):
    status_code = 422
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used for a different request."


class JobsNotConfigured(ServiceError):
    status_code = 501
    code = "jobs_not_configured"
    default_message = (
        "This deployment has no jobs queue: set JOBS_QUEUE_URL, RESULTS_TABLE and IMAGES_BUCKET "
        "(the template's JobsQueue, ResultsTable and ImagesBucket do)."
    )


class JobStoreUnavailable(ServiceError):
    status_code = 503
    code = "job_store_unavailable"
    default_message = "The jobs table or queue is unavailable (throttled, timed out): retry."


# --- Bulk jobs by prefix (issue 19) ---


class BucketNotAllowed(ServiceError):
    status_code = 403
    code = "bucket_not_allowed"
    default_message = (
        "The worker may not read that bucket: add it to the stack's SourceBuckets parameter."
    )


class InvalidS3Prefix(BadRequest):
    code = "invalid_s3_prefix"
    default_message = "s3_prefix is 1 to 1024 UTF-8 bytes."


class InvalidJobRequest(BadRequest):
    code = "invalid_job_request"
    default_message = "Give either s3_keys or s3_prefix (with an optional bucket), not both."
