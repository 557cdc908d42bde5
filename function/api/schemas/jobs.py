"""Request and response models of POST /jobs, GET /jobs/{job_id} and GET /results."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from function.api.schemas.common import ModelRef, ModelStatus, PredictionOut, error

MAX_JOB_IMAGES = 1000
# A thousand keys of S3's longest (1024 bytes), quoted and separated, with room to spare.
MAX_JOB_JSON_BYTES = 1_100_000


MAX_PREFIX_BYTES = 1024  # an S3 key's most


class JobRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Counted by the route, not here: too many is a 413 and none a 400, not a 422.
    s3_keys: list[str] | None = Field(
        None,
        description=f"1 to {MAX_JOB_IMAGES} keys under UPLOAD_PREFIX (from POST /uploads) or "
        "INCOMING_PREFIX. Each is checked like a /classify key when the worker reads it. "
        "Give either s3_keys or s3_prefix.",
    )
    s3_prefix: str | None = Field(
        None,
        description="Classify every object whose key starts with this (1 to 1024 UTF-8 bytes), "
        "any number of them; keys ending in '/' with no content (folder markers) are skipped.",
    )
    bucket: str | None = Field(
        None,
        description="With s3_prefix: the bucket to list, IMAGES_BUCKET by default. Other "
        "buckets must be named in the stack's SourceBuckets (else 403 bucket_not_allowed).",
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


JobStage = Literal[
    "listing", "queued", "running", "exporting", "done", "failed", "failed_to_submit"
]


class JobAccepted(BaseModel):
    job_id: str = Field(description="A version 4 UUID.")
    status: JobStage
    total: int | None = Field(description="How many images the job has; null while listing.")
    status_url: str = Field(description="GET it for the job's progress and results.")


class EntryError(BaseModel):
    code: str = Field(description="The code a /classify of this key would have answered.")
    message: str


class JobEntry(BaseModel):
    s3_key: str
    status: Literal["pending", "succeeded", "failed"]
    predictions: list[PredictionOut] | None = Field(None, description="When succeeded.")
    error: EntryError | None = Field(None, description="When failed; never retried.")


class JobExport(BaseModel):
    jsonl: str = Field(description="Presigned GET of the JSONL file: one line per image.")
    csv: str = Field(description="Presigned GET of the CSV file: one row per image.")
    expires_in: int = Field(description="Seconds the two links stay valid; GET the job again.")


class JobError(BaseModel):
    code: Literal["listing_failed"] = Field(description="Stable: match on it.")
    message: str = Field(description="For people: the bucket and S3's error code.")


class JobStatus(ModelStatus):
    job_id: str
    status: JobStage = Field(
        description="listing: a prefix is being listed (total null); queued: nothing counted "
        "yet; running: some images counted; exporting: all counted, the export files are "
        "being written; done: the export links are here; failed: the job cannot finish, "
        "`error` says why (listing_failed: the prefix could not be listed, e.g. the bucket "
        "does not exist or the worker may not list it); failed_to_submit: POST /jobs failed "
        "after storing the job, and only `messages_sent` of its images were queued (those are "
        "still classified and counted)."
    )
    total: int | None = Field(description="How many images the job has; null while listing.")
    listed: int | None = Field(None, description="Prefix jobs: images listed so far.")
    s3_prefix: str | None = Field(None, description="Prefix jobs: the prefix.")
    bucket: str | None = Field(None, description="Prefix jobs: the bucket listed.")
    succeeded: int
    failed: int
    messages_sent: int | None = Field(
        None, description="With failed_to_submit: how many images were queued before it failed."
    )
    export: JobExport | None = Field(None, description="When done: every result as one file.")
    error: JobError | None = Field(None, description="When failed: why.")
    results: list[JobEntry] = Field(
        description="This page's images, in request order: up to 100, fewer when their size "
        "demands it (the response must stay under Lambda's 6 MB). Empty for prefix jobs: their "
        "results are in the export files."
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
    400: error(
        "no_images, invalid_json, invalid_s3_key (with the key's index), invalid_s3_prefix "
        "(not 1 to 1024 UTF-8 bytes), invalid_job_request (both or neither of s3_keys and "
        "s3_prefix; bucket without s3_prefix)."
    ),
    403: error("bucket_not_allowed: the bucket is not IMAGES_BUCKET or in SourceBuckets."),
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
    404: error(
        "job_not_found: unknown, malformed or expired (JOB_TTL_DAYS) id, or another caller's job."
    ),
    501: error("jobs_not_configured."),
    503: error("job_store_unavailable."),
}
RESULT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: error("invalid_s3_key: not under INCOMING_PREFIX."),
    404: error("result_not_found: not classified yet (or expired)."),
    501: error("jobs_not_configured."),
    503: error("job_store_unavailable."),
}
