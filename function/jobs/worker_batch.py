"""An SQS batch from start to end: parse every message, classify its images through the
pipeline while writing each result as it comes, then let Powertools' BatchProcessor settle
each message, so that only the messages whose images met a transient error, or were not
reached before the time-out, are reported as failures (ReportBatchItemFailures).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.jobs.batch_work import Done
from function.jobs.byte_budget import ByteBudget, OutOfTime, budget_bytes
from function.jobs.drop_results import DropResults
from function.jobs.image_pipeline import classify
from function.jobs.messages import WorkItem, parse_body
from function.jobs.outcomes import OutcomeWriter
from function.jobs.worker_metrics import emit_batch_metrics
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

# A batch in which every message fails is reported like any other, not raised: SQS then
# redelivers exactly the listed messages either way, and the log shows one line per batch.
_processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)

# Before the function's time-out: stop classifying, then stop waiting for writes, so that the
# invocation answers (unfinished messages as failures) instead of being killed.
STOP_CLASSIFYING_SECONDS = 5.0
STOP_WRITING_SECONDS = 1.5
# One writer: results are written while the model works on the next images, in the order they
# come, one at a time, since parallel transactions on one job's item would cancel each other
# (TransactionConflict).
WRITE_THREADS = 1
DEFAULT_MEMORY_MB = 1024


def handle(
    event: dict[str, Any], context: Any, model: Classifier, settings: Settings, cache: ContentCache
) -> dict[str, Any]:
    started = time.perf_counter()
    records = event.get("Records", [])
    details = RequestDetails(messages=len(records))
    failures, items = _parse(records)
    details["images"] = len(items)
    counts = {"succeeded": 0, "failed": 0, "duplicates": 0}
    left = _remaining_seconds(context)
    budget = ByteBudget(
        budget_bytes(settings, int(getattr(context, "memory_limit_in_mb", DEFAULT_MEMORY_MB))),
        time.monotonic() + left - STOP_CLASSIFYING_SECONDS,
    )
    writers = (
        OutcomeWriter(settings.results_table, settings.job_ttl_days, model.version),
        DropResults(settings.results_table, settings.job_ttl_days, model.version),
    )
    pool = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="write")
    writes: list[tuple[str, Future[str | None]]] = []
    try:
        work = [item for _, item in items]
        for position, result in classify(work, model, settings, cache, details, budget):
            message_id, item = items[position]
            if isinstance(result, Exception):
                failures.setdefault(message_id, result)
            elif isinstance(result, Done):
                writes.append((message_id, pool.submit(_write, item, result, *writers)))
    except Exception as exc:  # the pipeline itself broke: whatever it did not finish is retried
        logger.exception("batch failed")
        for message_id, _ in items:
            failures.setdefault(message_id, exc)
    stop_writing = time.monotonic() + left - STOP_WRITING_SECONDS
    for message_id, future in writes:
        try:
            counted = future.result(timeout=max(0.0, stop_writing - time.monotonic()))
        except Exception as exc:  # throttled, or not written in time: SQS delivers it again
            failures.setdefault(message_id, OutOfTime() if isinstance(exc, TimeoutError) else exc)
        else:
            if counted:
                counts[counted] += 1
    pool.shutdown(wait=False, cancel_futures=True)

    def settle(record: SQSRecord) -> None:
        if record.message_id in failures:
            raise failures[record.message_id]

    answer: dict[str, Any] = dict(process_partial_response(event, settle, _processor, context))
    for message_id, failure in failures.items():
        logger.warning(
            "message failed; SQS will deliver it again",
            extra={"message_id": message_id, "cause": repr(failure)},
        )
    details["succeeded"], details["failed"] = counts["succeeded"], counts["failed"]
    details["duplicates"] = counts["duplicates"]
    details["retried"] = len(answer.get("batchItemFailures", []))
    details["batch_ms"] = round((time.perf_counter() - started) * 1000, 1)
    logger.info("batch done", extra=dict(details))
    emit_batch_metrics(details)
    return answer


def _parse(
    records: list[dict[str, Any]],
) -> tuple[dict[str, Exception], list[tuple[str, WorkItem]]]:
    """Why each malformed message fails, and every work item with its message's id."""
    failures: dict[str, Exception] = {}
    items: list[tuple[str, WorkItem]] = []
    for record in records:
        try:
            items += [(record["messageId"], item) for item in parse_body(record["body"])]
        except ValueError as exc:
            failures[record["messageId"]] = exc
    return failures, items


def _remaining_seconds(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else 900.0


def _write(item: WorkItem, result: Done, jobs: OutcomeWriter, drops: DropResults) -> str | None:
    """Record one result; which count it adds to, if any."""
    succeeded = result.outcome.predictions is not None
    if item.job_id is None:
        if not drops.put(item.s3_key, result.probabilities, result.outcome, item.sequencer):
            return "duplicates"  # a newer upload's result is stored already
    elif not jobs.record(item.job_id, item.index, item.s3_key, result.outcome):
        jobs.finish_if_complete(item.job_id)  # the earlier delivery may have stopped short
        return "duplicates"
    if not succeeded:
        logger.info(
            "image failed permanently",
            extra={"s3_key": item.s3_key, "job_id": item.job_id, "code": result.outcome.error_code},
        )
    return "succeeded" if succeeded else "failed"
