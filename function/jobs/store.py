"""Jobs in the results table, as the API sees them: create one, read its counts and results.

Raises botocore's exceptions; the routes turn them into job_store_unavailable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client
from function.aws.results import DAY_SECONDS, TTL_ATTRIBUTE, expired
from function.jobs.chunk_record import decode, images_per_chunk
from function.jobs.counts import read_counts
from function.jobs.job import Job
from function.jobs.keys import PAGE_SIZE, chunk_pk, job_pk, keys_pk
from function.jobs.outcomes import Outcome

FORMATS = ("jsonl", "csv")
__all__ = ["DAY_SECONDS", "FORMATS", "Job", "JobStore"]


@dataclass(frozen=True)
class JobStore:
    table: str
    ttl_days: int

    def expires_at(self) -> int:
        return int(time.time()) + self.ttl_days * DAY_SECONDS

    def create(self, job_id: str, s3_keys: list[str], top_k: int, owner: str | None = None) -> None:
        """Write the key pages, then the job. Safe to repeat for the same job_id."""
        expires = {"N": str(self.expires_at())}
        dynamodb = client("dynamodb")
        for page, start in enumerate(range(0, len(s3_keys), PAGE_SIZE)):
            keys = [{"S": key} for key in s3_keys[start : start + PAGE_SIZE]]
            item = {"pk": {"S": keys_pk(job_id, page)}, "keys": {"L": keys}, TTL_ATTRIBUTE: expires}
            dynamodb.put_item(TableName=self.table, Item=item)
        chunks = -(-len(s3_keys) // images_per_chunk(top_k))
        fields: dict[str, int | str] = {"total": len(s3_keys), "chunks": chunks}
        self._put_job(job_id, "queued", top_k, fields | _owned_by(owner))

    def create_prefix(
        self, job_id: str, bucket: str, prefix: str, top_k: int, owner: str | None = None
    ) -> None:
        """A job whose images the worker will list; page counts the listed pages."""
        fields: dict[str, int | str] = {"bucket": bucket, "prefix": prefix, "page": 0}
        self._put_job(job_id, "listing", top_k, fields | _owned_by(owner))

    def _put_job(self, job_id: str, stage: str, top_k: int, fields: dict[str, int | str]) -> None:
        # A repeat after a crash must not reset what the worker may already have moved.
        names = {"#stage": "job_status", "#top_k": "top_k", "#created": "created_at"}
        names |= {"#enqueued": "enqueued", "#expires": TTL_ATTRIBUTE}
        values: dict[str, Any] = {
            ":stage": {"S": stage},
            ":top_k": {"N": str(top_k)},
            ":now": {"N": str(int(time.time()))},
            ":no": {"BOOL": False},
            ":expires": {"N": str(self.expires_at())},
        }
        assignments = [
            "#stage = if_not_exists(#stage, :stage)",
            "#top_k = :top_k",
            "#created = if_not_exists(#created, :now)",
            "#enqueued = if_not_exists(#enqueued, :no)",
            "#expires = :expires",
        ]
        for position, (name, value) in enumerate(fields.items()):
            # Expression names throughout: "total" and others are DynamoDB reserved words.
            names[f"#f{position}"] = name
            values[f":f{position}"] = {"N": str(value)} if isinstance(value, int) else {"S": value}
            assignments.append(f"#f{position} = if_not_exists(#f{position}, :f{position})")
        client("dynamodb").update_item(
            TableName=self.table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
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

    def get(self, job_id: str, reader: Callable[[str | None], bool] | None = None) -> Job | None:
        """reader: whether the caller may see a job with this owner. A job it may not see is
        None, decided before the counts are read, so that another caller's job and an unknown
        id take the same path (and about the same time) to the same 404."""
        item = self._get(job_pk(job_id))
        owner = item["owner"]["S"] if item is not None and "owner" in item else None
        if item is None or (reader is not None and not reader(owner)):
            return None
        counts = read_counts(self.table, job_id)
        total = int(item["total"]["N"]) if "total" in item else None
        return Job(
            job_id,
            total,
            counts.succeeded,
            counts.failed,
            int(item["top_k"]["N"]),
            # Jobs stored before chunks carry no status until done: queued, as they were.
            item.get("job_status", {"S": "queued"})["S"],
            item["enqueued"]["BOOL"],
            int(item.get("listed", {"N": "0"})["N"]),
            {name: item[name]["S"] for name in ("bucket", "prefix") if name in item},
            {name: item[f"export_{name}"]["S"] for name in FORMATS if f"export_{name}" in item},
            int(item["messages_sent"]["N"]) if "messages_sent" in item else None,
            owner,
            _error(item),
        )

    def keys_page(self, job_id: str, page: int) -> list[str]:
        item = self._get(keys_pk(job_id, page))
        return [entry["S"] for entry in item["keys"]["L"]] if item else []

    def results(
        self, job: Job, first_index: int, count: int, labels: list[str], model_version: str
    ) -> dict[int, dict[str, Any]]:
        """The recorded outcomes among indexes first_index..first_index+count-1, by index."""
        if count <= 0:
            return {}
        size = images_per_chunk(job.top_k)
        chunks = range(first_index // size, (first_index + count - 1) // size + 1)
        wanted = [{"pk": {"S": chunk_pk(job.job_id, chunk)}} for chunk in chunks]
        found: dict[int, dict[str, Any]] = {}
        request = {self.table: {"Keys": wanted, "ConsistentRead": True}}
        while request:  # BatchGetItem may hand back some keys unprocessed under load
            answer = client("dynamodb").batch_get_item(RequestItems=request)
            for item in answer["Responses"].get(self.table, []):
                if not expired(item):
                    for entry in decode(item, labels, model_version):
                        found[entry.index] = _shown(entry.outcome)
            request = answer.get("UnprocessedKeys") or {}
            if request:
                time.sleep(0.05)
        last = first_index + count
        return {i: outcome for i, outcome in found.items() if first_index <= i < last}

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


def _error(item: dict[str, Any]) -> dict[str, str] | None:
    if "error_code" not in item:
        return None
    return {"code": item["error_code"]["S"], "message": item["error_message"]["S"]}


def _owned_by(owner: str | None) -> dict[str, int | str]:
    # One attribute of the job item, written when the API creates it: never a write per image.
    return {} if owner is None else {"owner": owner}


def _shown(outcome: Outcome) -> dict[str, Any]:
    if outcome.predictions is not None:
        return {"predictions": outcome.predictions}
    return {"error": {"code": outcome.error_code, "message": outcome.error_message}}
