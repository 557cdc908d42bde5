"""An SQS batch from start to end: parse every message, classify its images through the
pipeline (dropped objects' results are written as they come), record each job's chunks in
one transaction per job, then let Powertools' BatchProcessor settle each message, so that
only the messages whose images met a transient error, or were not reached before the
time-out, are reported as failures (ReportBatchItemFailures). A job's own steps (list a
page, export) are messages of the same queue, run as they are settled.
"""

from __future__ import annotations

import time
from collections import defaultdict
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
from function.jobs.job_commit import log_failed, record_batch
from function.jobs.messages import WorkItem, parse_body
from function.jobs.steps import run_step
from function.jobs.tasks import Task, parse_task
from function.jobs.worker_metrics import emit_batch_metrics
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

EVENT_TYPE = EventType.SQS  # the template's event source
# Before the function's time-out: stop classifying, then stop waiting for writes, so that the
# invocation answers (unfinished messages as failures) instead of being killed.
STOP_CLASSIFYING_SECONDS = 5.0
STOP_WRITING_SECONDS = 1.5
# Dropped objects' results are written while the model works on the next images, one at a
# time; a job's chunks wait for all their images, then one transaction per job.
WRITE_THREADS = 1
DEFAULT_MEMORY_MB = 1024


def handle(
    event: dict[str, Any], context: Any, model: Classifier, settings: Settings, cache: ContentCache
) -> dict[str, Any]:
    started = time.perf_counter()
    records = event.get("Records", [])
    details = RequestDetails(messages=len(records))
    failures, items, tasks = _parse(records)
    details["images"] = len(items)
    counts = {"succeeded": 0, "failed": 0, "duplicates": 0}
    left = _remaining_seconds(context)
    budget = ByteBudget(
        budget_bytes(settings, int(getattr(context, "memory_limit_in_mb", DEFAULT_MEMORY_MB))),
        time.monotonic() + left - STOP_CLASSIFYING_SECONDS,
    )
    drops = DropResults(settings.results_table, settings.job_ttl_days, model.version)
    pool = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="write")
    writes: list[tuple[str, Future[str | None]]] = []
    chunks: dict[str, list[tuple[WorkItem, Done]]] = defaultdict(list)
    try:
        work = [item for _, item in items]
        for position, result in classify(work, model, settings, cache, details, budget):
            message_id, item = items[position]
            if isinstance(result, Exception):
                failures.setdefault(message_id, result)
            elif isinstance(result, Done) and item.job_id is None:
                writes.append((message_id, pool.submit(_write_drop, item, result, drops)))
            elif isinstance(result, Done):
                chunks[message_id].append((item, result))
    except Exception as exc:  # the pipeline itself broke: whatever it did not finish is retried
        logger.exception("batch failed")
        for message_id, _ in items:
            failures.setdefault(message_id, exc)
    record_batch(chunks, failures, counts, model.version, settings)
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
        if record.message_id in tasks:
            remaining = getattr(context, "get_remaining_time_in_millis", lambda: 60_000)
            run_step(tasks[record.message_id], model, settings, remaining)

    # One processor per batch: it keeps the batch's state, and local workers run in threads.
    processor = BatchProcessor(EVENT_TYPE, raise_on_entire_batch_failure=False)
    answer: dict[str, Any] = dict(process_partial_response(event, settle, processor, context))
    for failure in processor.fail_messages:
        logger.warning(
            "message failed; SQS will deliver it again",
            extra={"message_id": getattr(failure, "message_id", None)},
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
) -> tuple[dict[str, Exception], list[tuple[str, WorkItem]], dict[str, Task]]:
    """Why each malformed message fails, every work item with its message's id, the steps."""
    failures: dict[str, Exception] = {}
    items: list[tuple[str, WorkItem]] = []
    tasks: dict[str, Task] = {}
    for record in records:
        try:
            task = parse_task(record["body"])
            if task is not None:
                tasks[record["messageId"]] = task
                continue
            items += [(record["messageId"], item) for item in parse_body(record["body"])]
        except ValueError as exc:
            failures[record["messageId"]] = exc
    return failures, items, tasks


def _remaining_seconds(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else 900.0


def _write_drop(item: WorkItem, result: Done, drops: DropResults) -> str | None:
    """Record one dropped object's result; which count it adds to, if any."""
    if not drops.put(item.s3_key, result.probabilities, result.outcome, item.sequencer):
        return "duplicates"  # a newer upload's result is stored already
    succeeded = result.outcome.predictions is not None
    if not succeeded:
        log_failed(item, result)
    return "succeeded" if succeeded else "failed"
