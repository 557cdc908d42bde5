"""A step of listing a prefix job: ListObjectsV2 pages (up to 1000 keys each), one by one.

For each page the step queues its chunks, with chunk numbers and image indexes carried from
the page before (so a redelivered step sends the same numbers again, which the ledger counts
once), then commits the page on the job item on the condition that it is the page the job
expects. After some pages (or when the invocation's time runs short) it queues the next
step. A redelivered step finds its pages committed and resends the next step from the stored
cursor, or asks again if the ended listing is counted (its first delivery may have died
first); of two live copies of a step, the one that loses a commit stops. The last page sets
total and chunks, and the job leaves "listing"; a refused listing fails it (listing_failure).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from function.aws.backoff import TRANSIENT_CODES, error_code, pauses
from function.aws.clients import client
from function.aws.file_links import EXPORT_PREFIX
from function.aws.queue import WorkQueue
from function.jobs.chunk_record import images_per_chunk
from function.jobs.completion import finish_if_counted
from function.jobs.keys import job_pk
from function.jobs.listing_failure import fail_listing, refused
from function.jobs.messages import chunk_message
from function.jobs.tasks import ListStep, parse_task
from function.shared.observability import logger

PAGE_KEYS = 1000  # ListObjectsV2's most
LIST_ATTEMPTS = 5
# A step lists this many pages at most (each committed on its own), then queues the next
# step; it stops sooner with MARGIN_MS of the invocation left.
PAGES_PER_STEP = 20
MARGIN_MS = 15_000


@dataclass(frozen=True)
class Lister:
    table: str
    queue: WorkQueue
    own_bucket: str = ""  # the stack's: its exports/ are never listed

    def step(self, step: ListStep, remaining_ms: Callable[[], int] = lambda: 60_000) -> None:
        """List pages from step's on, until the prefix ends, PAGES_PER_STEP pages, or the
        invocation's time runs short; then queue the step that goes on."""
        job = self._job(step.job_id)
        if job is None:
            logger.warning("list step for a missing job", extra={"job_id": step.job_id})
            return
        committed = int(job["page"]["N"])
        if committed != step.page:
            if committed > step.page and "chunks" not in job:
                cursor = parse_task(job["cursor"]["S"])  # the step after the committed page
                self.queue.send_all([(cursor if isinstance(cursor, ListStep) else step).body()])
            elif committed > step.page:  # listed; its delivery may have died before asking
                finish_if_counted(self.table, self.queue, step.job_id, recovering=True)
            return  # a redelivery (its pages committed) or a stale duplicate
        for pages in range(1, PAGES_PER_STEP + 1):
            try:
                following = self._page(step)
            except Exception as exc:
                if not refused(exc):
                    raise  # SQS delivers the step again
                fail_listing(self.table, step.job_id, step.bucket, exc)
                return
            if following is None:
                return  # a duplicate of this step committed the page first; it goes on
            if following.token is None:
                logger.info("job listed", extra={"job_id": step.job_id, "images": following.index})
                finish_if_counted(self.table, self.queue, step.job_id)
                return
            if pages == PAGES_PER_STEP or remaining_ms() < MARGIN_MS:
                self.queue.send_all([following.body()])
                return
            step = following

    def _page(self, step: ListStep) -> ListStep | None:
        """List one page, queue its chunks, commit it: the step after it, or None if beaten."""
        page = self._list(step)
        exports = step.bucket == self.own_bucket
        keys = [o["Key"] for o in page.get("Contents", []) if not _skipped(o, exports)]
        size = images_per_chunk(step.top_k)
        numbered = list(enumerate(keys, step.index))
        chunks = [numbered[start : start + size] for start in range(0, len(numbered), size)]
        self.queue.send_all(
            [
                chunk_message(step.job_id, step.chunk + n, step.bucket, step.top_k, chunk)
                for n, chunk in enumerate(chunks)
            ]
        )
        token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
        following = replace(
            step,
            page=step.page + 1,
            token=token,
            index=step.index + len(keys),
            chunk=step.chunk + len(chunks),
        )
        return following if self._commit(following, last=token is None) else None

    def _list(self, step: ListStep) -> dict[str, Any]:
        """One page; throttling (SlowDown) is retried here with back-off, then by SQS."""
        request: dict[str, Any] = {"Bucket": step.bucket, "Prefix": step.prefix}
        request["MaxKeys"] = PAGE_KEYS
        if step.token is not None:
            request["ContinuationToken"] = step.token
        for attempt in pauses(LIST_ATTEMPTS):
            try:
                page: dict[str, Any] = client("s3").list_objects_v2(**request)
                return page
            except Exception as exc:
                if error_code(exc) not in TRANSIENT_CODES or attempt == LIST_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _commit(self, following: ListStep, last: bool) -> bool:
        dynamodb = client("dynamodb")
        names = {"#page": "page", "#listed": "listed", "#cursor": "cursor"}
        values: dict[str, Any] = {
            ":was": {"N": str(following.page - 1)},
            ":page": {"N": str(following.page)},
            ":listed": {"N": str(following.index)},
            ":cursor": {"S": following.body()},
        }
        update = "SET #page = :page, #listed = :listed, #cursor = :cursor"
        if last:
            names |= {"#total": "total", "#chunks": "chunks", "#stage": "job_status"}
            values[":queued"] = {"S": "queued"}
            values[":chunks"] = {"N": str(following.chunk)}
            update += ", #total = :listed, #chunks = :chunks, #stage = :queued"
        try:
            dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(following.job_id)}},
                UpdateExpression=update,
                ConditionExpression="#page = :was",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False  # a duplicate of this step committed first; it sends what follows
        return True

    def _job(self, job_id: str) -> dict[str, Any] | None:
        key = {"pk": {"S": job_pk(job_id)}}
        got = client("dynamodb").get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return got.get("Item")  # type: ignore[no-any-return]


def _skipped(entry: dict[str, Any], exports: bool) -> bool:
    """The zero-byte objects consoles create to show a folder, and (exports) the stack's
    export files, whose names would tell one caller of every other caller's jobs."""
    key, empty = str(entry["Key"]), int(entry.get("Size", 0)) == 0
    return (key.endswith("/") and empty) or (exports and key.startswith(EXPORT_PREFIX))
