"""Ending a prefix job whose prefix cannot be listed: status "failed", code listing_failed.

Some refusals never pass on a retry (the bucket is gone, the worker's role may not list it, S3
rejects the prefix): left to SQS, the list step would reach the DLQ after three deliveries and
the job would stay "listing" for ever. Throttling, 5xx and network errors are not among them:
they are retried. The move is conditional on "listing", so a duplicate step announces nothing.
"""

from __future__ import annotations

import time

from function.aws.backoff import error_code
from function.aws.clients import client
from function.aws.events import JOB_COMPLETED, announce
from function.jobs.counts import read_counts
from function.jobs.keys import job_pk
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
    dynamodb = client("dynamodb")
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET #stage = :failed, #code = :code, #message = :message, #at = :now",
            ConditionExpression="#stage = :listing",
            ExpressionAttributeNames={
                "#stage": "job_status",
                "#code": "error_code",
                "#message": "error_message",
                "#at": "finished_at",
            },
            ExpressionAttributeValues={
                ":failed": {"S": "failed"},
                ":listing": {"S": "listing"},
                ":code": {"S": LISTING_FAILED},
                ":message": {"S": message},
                ":now": {"N": str(int(time.time()))},
            },
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
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
