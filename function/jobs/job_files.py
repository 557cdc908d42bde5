"""The export step: a counted job's results as one JSONL and one CSV file, then the event.

Chunk items are read in order, BATCH_CHUNKS per BatchGetItem, and written as they come into
two multipart uploads, so memory holds one batch of chunks and one part per file, whatever
the job's size. The step runs only for a job in "exporting" (listed and fully counted): an
early export message, or one for a job still being listed, does nothing, and the export is
queued again when the last chunk is counted. A redelivery rewrites the same keys and the
same event may be sent twice (EventBridge is at-least-once too: rules should key on job_id).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client
from function.aws.events import JOB_COMPLETED, announce
from function.aws.file_links import export_key
from function.aws.multipart import MultipartWriter
from function.jobs import file_rows
from function.jobs.chunk_record import Entry, decode
from function.jobs.counts import read_counts
from function.jobs.keys import chunk_pk, job_pk
from function.shared.observability import logger

BATCH_CHUNKS = 100  # BatchGetItem's most


@dataclass(frozen=True)
class Exporter:
    table: str
    bucket: str  # the stack's bucket, where exports/ lives
    labels: list[str]
    model_version: str

    def run(self, job_id: str) -> None:
        job = (
            client("dynamodb")
            .get_item(TableName=self.table, Key={"pk": {"S": job_pk(job_id)}}, ConsistentRead=True)
            .get("Item")
        )
        if job is None or job["job_status"]["S"] != "exporting":
            stage = job["job_status"]["S"] if job else None
            logger.info("export not due", extra={"job_id": job_id, "stage": stage})
            return
        source = job["bucket"]["S"] if "bucket" in job else self.bucket
        top_k = min(int(job["top_k"]["N"]), len(self.labels))
        keys = {fmt: export_key(job_id, fmt) for fmt in ("jsonl", "csv")}
        lines = 0
        with (
            MultipartWriter(self.bucket, keys["jsonl"], "application/x-ndjson") as jsonl,
            MultipartWriter(self.bucket, keys["csv"], "text/csv") as table,
        ):
            table.write(file_rows.csv_header(top_k))
            for entry in self._entries(job_id, int(job["chunks"]["N"])):
                jsonl.write(file_rows.jsonl_line(source, entry))
                table.write(file_rows.csv_row(source, entry, top_k))
                lines += 1
        counts = read_counts(self.table, job_id)
        announce(
            JOB_COMPLETED,
            {
                "job_id": job_id,
                "total": int(job["total"]["N"]),
                "succeeded": counts.succeeded,
                "failed": counts.failed,
                "export": {fmt: f"s3://{self.bucket}/{key}" for fmt, key in keys.items()},
            },
        )
        self._mark_done(job_id, keys)
        logger.info("job exported", extra={"job_id": job_id, "lines": lines})

    def _entries(self, job_id: str, chunks: int) -> Iterator[Entry]:
        for first in range(0, chunks, BATCH_CHUNKS):
            numbers = range(first, min(first + BATCH_CHUNKS, chunks))
            found = self._chunk_items(job_id, numbers)
            for number in numbers:
                item = found.get(chunk_pk(job_id, number))
                if item is None:  # expired (TTL) before the export ran: nothing to write
                    logger.error("chunk missing", extra={"job_id": job_id, "chunk": number})
                    continue
                yield from decode(item, self.labels, self.model_version)

    def _chunk_items(self, job_id: str, numbers: range) -> dict[str, dict[str, Any]]:
        wanted = [{"pk": {"S": chunk_pk(job_id, n)}} for n in numbers]
        request = {self.table: {"Keys": wanted, "ConsistentRead": True}}
        found: dict[str, dict[str, Any]] = {}
        while request:
            answer = client("dynamodb").batch_get_item(RequestItems=request)
            found |= {item["pk"]["S"]: item for item in answer["Responses"].get(self.table, [])}
            request = answer.get("UnprocessedKeys") or {}
            if request:
                time.sleep(0.05)
        return found

    def _mark_done(self, job_id: str, keys: dict[str, str]) -> None:
        dynamodb = client("dynamodb")
        # Failing the condition: a concurrent export of the same job finished first, alike.
        with suppress(dynamodb.exceptions.ConditionalCheckFailedException):
            dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(job_id)}},
                UpdateExpression="SET #stage = :done, #jsonl = :jsonl, #csv = :csv, #at = :now",
                ConditionExpression="#stage = :exporting",
                ExpressionAttributeNames={
                    "#stage": "job_status",
                    "#jsonl": "export_jsonl",
                    "#csv": "export_csv",
                    "#at": "finished_at",
                },
                ExpressionAttributeValues={
                    ":done": {"S": "done"},
                    ":exporting": {"S": "exporting"},
                    ":jsonl": {"S": keys["jsonl"]},
                    ":csv": {"S": keys["csv"]},
                    ":now": {"N": str(int(time.time()))},
                },
            )
