"""Jobs in the results table, as the API sees them: create one, read its counts and results.

Raises botocore's exceptions; the routes turn them into job_store_unavailable.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client
from function.aws.results import TTL_ATTRIBUTE, expired
from function.jobs.job import Job
from function.jobs.keys import PAGE_SIZE, job_pk, keys_pk, result_pk

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class JobStore:
    table: str
    ttl_days: int

    def expires_at(self) -> int:
        return int(time.time()) + self.ttl_days * DAY_SECONDS

    def create(self, job_id: str, s3_keys: list[str], top_k: int) -> None:
        """Write the key pages, then the job. Safe to repeat for the same job_id."""
        expires = {"N": str(self.expires_at())}
        dynamodb = client("dynamodb")
        for page, start in enumerate(range(0, len(s3_keys), PAGE_SIZE)):
            keys = [{"S": key} for key in s3_keys[start : start + PAGE_SIZE]]
            item = {"pk": {"S": keys_pk(job_id, page)}, "keys": {"L": keys}, TTL_ATTRIBUTE: expires}
            dynamodb.put_item(TableName=self.table, Item=item)
        # A repeat after a crash must not reset counts the worker may already have moved.
        dynamodb.update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(job_id)}},
            # Expression names throughout: "total" and others are DynamoDB reserved words.
            UpdateExpression="SET #total = :total, #top_k = :top_k, "
            "#created = if_not_exists(#created, :now), "
            "#succeeded = if_not_exists(#succeeded, :zero), "
            "#failed = if_not_exists(#failed, :zero), "
            "#enqueued = if_not_exists(#enqueued, :no), #expires = :expires",
            ExpressionAttributeNames={
                "#total": "total",
                "#top_k": "top_k",
                "#created": "created_at",
                "#succeeded": "succeeded",
                "#failed": "failed",
                "#enqueued": "enqueued",
                "#expires": TTL_ATTRIBUTE,
            },
            ExpressionAttributeValues={
                ":total": {"N": str(len(s3_keys))},
                ":top_k": {"N": str(top_k)},
                ":now": {"N": str(int(time.time()))},
                ":zero": {"N": "0"},
                ":no": {"BOOL": False},
                ":expires": expires,
            },
        )

    def mark_enqueued(self, job_id: str) -> None:
        """Every message is queued; an idempotent retry that got here clears a failed attempt."""
        client("dynamodb").update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET #enqueued = :yes REMOVE #sent",
            ExpressionAttributeNames={"#enqueued": "enqueued", "#sent": "messages_sent"},
            ExpressionAttributeValues={":yes": {"BOOL": True}},
        )

    def mark_failed_to_submit(self, job_id: str, messages_sent: int) -> None:
        """The request failed after the job was stored: GET then says so, and how far it got."""
        client("dynamodb").update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET #sent = :sent",
            # Never on a job the failed write did not store (an update would create one).
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#sent": "messages_sent"},
            ExpressionAttributeValues={":sent": {"N": str(messages_sent)}},
        )

    def get(self, job_id: str) -> Job | None:
        item = self._get(job_pk(job_id))
        if item is None:
            return None
        number = {name: int(item[name]["N"]) for name in ("total", "succeeded", "failed", "top_k")}
        done = item.get("job_status", {}).get("S") == "done"
        sent = int(item["messages_sent"]["N"]) if "messages_sent" in item else None
        return Job(
            job_id, **number, done=done, enqueued=item["enqueued"]["BOOL"], messages_sent=sent
        )

    def keys_page(self, job_id: str, page: int) -> list[str]:
        item = self._get(keys_pk(job_id, page))
        return [entry["S"] for entry in item["keys"]["L"]] if item else []

    def results(self, job_id: str, first_index: int, count: int) -> dict[int, dict[str, Any]]:
        """The recorded outcomes among indexes first_index..first_index+count-1, by index."""
        indexes = range(first_index, first_index + count)
        wanted = [{"pk": {"S": result_pk(job_id, index)}} for index in indexes]
        found: dict[int, dict[str, Any]] = {}
        request = {self.table: {"Keys": wanted, "ConsistentRead": True}}
        while request:  # BatchGetItem may hand back some keys unprocessed under load
            answer = client("dynamodb").batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self.table, []):
                if not expired(item):
                    found[int(item["index"]["N"])] = _outcome(item)
            request = answer.get("UnprocessedKeys") or {}
            if request:
                time.sleep(0.05)
        return found

    def _get(self, pk: str) -> dict[str, Any] | None:
        item = (
            client("dynamodb")
            .get_item(TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True)
            .get("Item")
        )
        if item is None or expired(item):
            return None
        found: dict[str, Any] = item
        return found


def _outcome(item: dict[str, Any]) -> dict[str, Any]:
    if "predictions" in item:
        return {"predictions": json.loads(item["predictions"]["S"])}
    return {"error": {"code": item["error_code"]["S"], "message": item["error_message"]["S"]}}
