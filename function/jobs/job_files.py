"""The export step: a counted job's results as one JSONL and one CSV file, then the event.

Chunk items are read in order, BATCH_CHUNKS per BatchGetItem, into two multipart uploads, so
memory holds one batch of chunks and one part per file, whatever the job's size. Both files
send a part at the same chunk boundary (sizes grow with the part number: multipart.part_bytes),
so "every chunk before n is in the parts" is one number: when the invocation's time runs
short, the step queues itself again with the uploads and that number, and the next step lists
the parts and goes on.
A step that would start with too little time to reach its first part queues itself again,
unchanged, and its message is acknowledged (a failure would count towards the DLQ).
Parts are a function of the chunk items (which never change), so a step delivered twice
writes the same parts again.

The step runs only for a job in "exporting" (listed and fully counted): an early export
message, or one for a job still being listed, does nothing, and the export is queued again
when the last chunk is counted. A redelivery rewrites the same keys, and the same event may
be sent twice (EventBridge is at-least-once too: rules should key on job_id).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client
from function.aws.events import JOB_COMPLETED, announce
from function.aws.file_links import export_key
from function.aws.multipart import MIN_PART_BYTES, MultipartWriter, part_bytes
from function.aws.queue import WorkQueue
from function.jobs import file_rows
from function.jobs.chunk_record import Entry, decode
from function.jobs.completion import mark_exported
from function.jobs.counts import read_counts
from function.jobs.keys import chunk_pk, job_pk
from function.jobs.tasks import ExportStep
from function.shared.observability import logger

BATCH_CHUNKS = 100  # BatchGetItem's most
# Stop with this much of the invocation left: a batch of chunks and two parts fit in it.
MARGIN_MS = 10_000
# A step checkpoints only after its first part, so it must not start with less time than
# reaching one takes (about 8 MiB of each file read in batches of chunks, then two parts):
# a step that keeps dying before it would go to the DLQ and leave the job exporting. Below
# the smallest WorkerTimeout (30 s), so a step first in its batch always starts.
START_MS = 20_000
FORMATS = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


@dataclass(frozen=True)
class Exporter:
    table: str
    bucket: str  # the stack's bucket, where exports/ lives
    labels: list[str]
    model_version: str

    def run(self, step: ExportStep, queue: WorkQueue, remaining_ms: Callable[[], int]) -> None:
        job_id = step.job_id
        job = (
            client("dynamodb")
            .get_item(TableName=self.table, Key={"pk": {"S": job_pk(job_id)}}, ConsistentRead=True)
            .get("Item")
        )
        if job is None or job["job_status"]["S"] != "exporting":
            stage = job["job_status"]["S"] if job else None
            logger.info("export not due", extra={"job_id": job_id, "stage": stage})
            return
        if remaining_ms() < START_MS:  # late in its batch: a fresh message, a fresh invocation
            queue.send_all([step.body()])
            logger.info("export step deferred", extra={"job_id": job_id, "chunk": step.chunk})
            return
        keys = {fmt: export_key(job_id, fmt) for fmt in FORMATS}
        files = self._open(step, keys)
        if files is None:  # the uploads of an earlier step were completed: start over
            step, files = ExportStep(job_id), self._open(ExportStep(job_id), keys)
            assert files is not None
        source = job["bucket"]["S"] if "bucket" in job else self.bucket
        top_k = min(int(job["top_k"]["N"]), len(self.labels))
        if step.chunk == 0 and not step.uploads:
            files["csv"].write(file_rows.csv_header(top_k))
        chunks, sent = int(job["chunks"]["N"]), step.chunk
        for after, entries in self._batches(job_id, step.chunk, chunks):
            for entry in entries:
                files["jsonl"].write(file_rows.jsonl_line(source, entry))
                files["csv"].write(file_rows.csv_row(source, entry, top_k))
            # The larger file fills the part (so no part passes S3's 5 GiB), the smaller one
            # reaches S3's least; part numbers stay equal, one checkpoint for both.
            sizes = [f.buffered for f in files.values()]
            if max(sizes) >= part_bytes(files["jsonl"].parts + 1) and min(sizes) >= MIN_PART_BYTES:
                for writer in files.values():
                    writer.flush()
                sent = after
            if after < chunks and sent > step.chunk and remaining_ms() < MARGIN_MS:
                uploads = {fmt: writer.upload_id for fmt, writer in files.items()}
                parts = files["jsonl"].parts  # both files send their parts together
                queue.send_all([ExportStep(job_id, uploads, sent, parts).body()])
                logger.info("export goes on", extra={"job_id": job_id, "chunk": sent})
                return
        for writer in files.values():
            writer.complete()
        counts = read_counts(self.table, job_id)
        announce(
            JOB_COMPLETED,
            {
                "job_id": job_id,
                "status": "done",
                "total": int(job["total"]["N"]),
                "succeeded": counts.succeeded,
                "failed": counts.failed,
                "export": {fmt: f"s3://{self.bucket}/{key}" for fmt, key in keys.items()},
            },
        )
        mark_exported(self.table, job_id, keys)
        logger.info("job exported", extra={"job_id": job_id, "chunks": chunks})

    def _open(self, step: ExportStep, keys: dict[str, str]) -> dict[str, MultipartWriter] | None:
        files = {
            fmt: MultipartWriter(self.bucket, keys[fmt], step.uploads.get(fmt, ""))
            for fmt in FORMATS
        }
        try:
            return {fmt: w.start(FORMATS[fmt], step.parts) for fmt, w in files.items()}
        except Exception as exc:
            if step.uploads and "NoSuchUpload" in repr(exc):
                return None
            raise

    def _batches(self, job_id: str, first: int, chunks: int) -> Iterator[tuple[int, list[Entry]]]:
        """(the chunk after the batch, the batch's entries), BATCH_CHUNKS at a time."""
        for start in range(first, chunks, BATCH_CHUNKS):
            numbers = range(start, min(start + BATCH_CHUNKS, chunks))
            found = self._chunk_items(job_id, numbers)
            entries: list[Entry] = []
            for number in numbers:
                item = found.get(chunk_pk(job_id, number))
                if item is None:  # expired (TTL) before the export ran: nothing to write
                    logger.error("chunk missing", extra={"job_id": job_id, "chunk": number})
                    continue
                entries += decode(item, self.labels, self.model_version)
            yield numbers.stop, entries

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
