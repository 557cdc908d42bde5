"""Idempotency-Key claims: which job a caller's key created, kept for JOB_TTL_DAYS.

A claim is one conditional put. DynamoDB deletes expired items lazily, often days after
their expiry, so the condition also takes over a claim whose expiry has passed: a key reused
after JOB_TTL_DAYS starts a new job at once. When the put fails, DynamoDB hands back the
live claim that stopped it (ReturnValuesOnConditionCheckFailure), so no second read can race
with an expiry and nothing has to be tried again.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from function.aws.clients import client
from function.aws.results import TTL_ATTRIBUTE
from function.jobs.keys import idempotency_pk
from function.jobs.store import DAY_SECONDS


@dataclass(frozen=True)
class IdempotencyClaims:
    table: str
    ttl_days: int

    def claim(self, scope: str, key: str, job_id: str, request_hash: str) -> tuple[str, str] | None:
        """None if this call claimed the key for job_id, else (earlier job id, its request hash)."""
        dynamodb = client("dynamodb")
        now = int(time.time())
        try:
            dynamodb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": idempotency_pk(scope, key)},
                    "job_id": {"S": job_id},
                    "request_hash": {"S": request_hash},
                    TTL_ATTRIBUTE: {"N": str(now + self.ttl_days * DAY_SECONDS)},
                },
                # The same expiry rule as every read: expired at expires_at, deleted or not.
                ConditionExpression="attribute_not_exists(pk) OR #expires <= :now",
                ExpressionAttributeNames={"#expires": TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return None
        except dynamodb.exceptions.ConditionalCheckFailedException as exc:
            held = exc.response["Item"]
            return held["job_id"]["S"], held["request_hash"]["S"]

    def release(self, scope: str, key: str, job_id: str) -> None:
        """Free the key after a request that can never succeed, unless another job holds it."""
        dynamodb = client("dynamodb")
        with contextlib.suppress(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.delete_item(
                TableName=self.table,
                Key={"pk": {"S": idempotency_pk(scope, key)}},
                ConditionExpression="job_id = :job",
                ExpressionAttributeValues={":job": {"S": job_id}},
            )
