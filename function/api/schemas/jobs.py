"""Request and response models of POST /jobs, GET /jobs/{job_id} and GET /results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from function.api.schemas.common import ModelRef, ModelStatus, PredictionOut, error

MAX_JOB_IMAGES = 1000
# A thousand keys of S3's longest (1024 bytes), quoted and separated, with room to spare.
MAX_JOB_JSON_BYTES = 1_100_000


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Counted by the route, not here: too many is a 413 and none a 400, not a 422.
    s3_keys: list[str] = Field(
        description=f"1 to {MAX_JOB_IMAGES} keys under UPLOAD_PREFIX (from POST /uploads) or "
        "INCOMING_PREFIX. Each is checked like a /classify key when the worker reads it."
    )
    top_k: int = Field(
        5, ge=1, description="How many classes per image: 1 to the model's `num_classes`."
    )


# Read by the route itself (one size limit, errors in the service's shape), declared here.
JOB_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": JobRequest.model_json_schema()}},
    }
}


class JobAccepted(BaseModel):
    job_id: str = Field(description="A version 4 UUID.")
    status: Literal["queued", "running", "done"]
    total: int = Field(description="How many images the job has.")
    status_url: str = Field(description="GET it for the job's progress and results.")


class EntryError(BaseModel):
    code: str = Field(description="The code a /classify of this key would have answered.")
    message: str


class JobEntry(BaseModel):
    s3_key: str
    status: Literal["pending", "succeeded", "failed"]
    predictions: list[PredictionOut] | None = Field(None, description="When succeeded.")
    error: EntryError | None = Field(None, description="When failed; never retried.")


class JobStatus(ModelStatus):
    job_id: str
    status: Literal["queued", "running", "done", "failed_to_submit"] = Field(
        description="queued: nothing counted yet; running: some images counted; done: all; "
        "failed_to_submit: POST /jobs failed after storing the job, and only `messages_sent` "
        "of its images were queued (those are still classified and counted)."
    )
    total: int
    succeeded: int
    failed: int
    messages_sent: int | None = Field(
        None, description="With failed_to_submit: how many images were queued before it failed."
    )
    results: list[JobEntry] = Field(
        description="This page's images, in request order: up to 100, fewer when their size "
        "demands it (the response must stay under Lambda's 6 MB)."
    )
    next_token: str | None = Field(
        None, description="Pass as ?next_token= for the next page; absent on the last page."
    )


class ObjectResult(ModelStatus):
    s3_key: str
    predictions: list[PredictionOut] | None = Field(None, description="When classified.")
    error: EntryError | None = Field(None, description="Why it could not be classified.")
    model: ModelRef


GET_JOB_OPERATION = "get_job"
# The OpenAPI link that lets a client (or a stateful fuzzer) follow a new job to its status.
JOB_ACCEPTED: dict[str, Any] = {
    "description": "The job is stored and its images queued. The `location` header and "
    "`status_url` are the path of its status, with API Gateway's stage when behind it.",
    "links": {
        "GetJob": {
            "operationId": GET_JOB_OPERATION,
            "parameters": {"job_id": "$response.body#/job_id"},
            "description": "The job's progress and results.",
        }
    },
}
JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("no_images, invalid_json, invalid_s3_key (with the key's index)."),
    413: error("too_many_images (more than 1000) or payload_too_large (the body)."),
    422: error("invalid_parameter, or idempotency_key_reused for a different request."),
    501: error("jobs_not_configured or s3_not_configured."),
    500: error("internal_error; `job_id` names the job if one was stored (failed_to_submit)."),
    503: error(
        "job_store_unavailable: the table or the queue refused; retry (same key). When a job "
        "was stored first, `job_id` names it and it is marked failed_to_submit."
    ),
}
JOB_STATUS_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("invalid_next_token."),
    404: error("job_not_found: unknown, malformed or expired (JOB_TTL_DAYS) id."),
    501: error("jobs_not_configured."),
    503: error("job_store_unavailable."),
}
RESULT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("invalid_s3_key: not under INCOMING_PREFIX."),
    404: error("result_not_found: not classified yet (or expired)."),
    501: error("jobs_not_configured."),
    503: error("job_store_unavailable."),
}
