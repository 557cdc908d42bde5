"""Ending a prefix job whose prefix cannot be listed: status "failed", code listing_failed.

Some refusals never pass on a retry (the bucket is gone, the worker's role may not list it, S3
rejects the prefix): left to SQS, the list step would reach the DLQ after three deliveries and
the job would stay "listing" for ever. Throttling, 5xx and network errors are not among them:
they are retried. The move is conditional on "listing", so a duplicate step announces nothing.
"""

from __future__ import annotations

from function.aws.backoff import error_code
from function.aws.events import JOB_COMPLETED, announce
from function.jobs.completion import end_job
from function.jobs.counts import read_counts
from function.shared.observability import logger

LISTING_FAILED = "listing_failed"
# ListObjectsV2's answers that say the request itself is wrong, for this bucket and role.
REFUSALS = frozenset(
    {
        "NoSuchBucket",
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidArgument",
        "InvalidBucketName",
        "InvalidRequest",
        "PermanentRedirect",  # the bucket is in another region than the worker's client
        "AuthorizationHeaderMalformed",
    }
)


def refused(exc: BaseException) -> bool:
    return error_code(exc) in REFUSALS


def fail_listing(table: str, job_id: str, bucket: str, exc: BaseException) -> None:
    message = f"s3://{bucket} could not be listed: {error_code(exc)}"
    error = {"error_code": LISTING_FAILED, "error_message": message}
    if not end_job(table, job_id, "listing", "failed", error):
        return  # failed already by a duplicate of the step (or gone): announced once
    logger.warning("job failed: listing refused", extra={"job_id": job_id, "cause": repr(exc)})
    counts = read_counts(table, job_id)  # pages listed before the refusal may have been counted
    announce(
        JOB_COMPLETED,
        {
            "job_id": job_id,
            "status": "failed",
            "total": None,
            "succeeded": counts.succeeded,
            "failed": counts.failed,
            "error": {"code": LISTING_FAILED, "message": message},
        },
    )
