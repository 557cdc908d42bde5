"""An SQS batch from start to end: parse every message, do all the images at once, record
each job's chunks in one transaction per job, then let Powertools' BatchProcessor settle
each message, so that only the messages whose images met a transient error are reported as
failures (ReportBatchItemFailures) and delivered again. A job's own steps (list a page,
export) are messages of the same queue, run as they are settled.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from function.aws.queue import WorkQueue
from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.jobs import batch_work
from function.jobs.batch_work import Done
from function.jobs.job_commit import record_chunks
from function.jobs.ledger import Ledger
from function.jobs.messages import WorkItem, parse_body
from function.jobs.outcomes import OutcomeWriter
from function.jobs.steps import run_step
from function.jobs.tasks import Task, parse_task
from function.jobs.worker_metrics import emit_batch_metrics
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

Planned = list[tuple[WorkItem, batch_work.Result]] | Task | Exception
EVENT_TYPE = EventType.SQS  # the template's event source


def handle(
    event: dict[str, Any], context: Any, model: Classifier, settings: Settings, cache: ContentCache
) -> dict[str, Any]:
    started = time.perf_counter()
    details = RequestDetails(messages=len(event.get("Records", [])))
    plan = _plan(event.get("Records", []), model, settings, cache, details)
    writer = OutcomeWriter(settings.results_table, settings.job_ttl_days, model.version)
    images = {mid: planned for mid, planned in plan.items() if isinstance(planned, list)}
    ledger = Ledger(settings.results_table, settings.job_ttl_days, model.version)
    queue = WorkQueue(settings.jobs_queue_url) if settings.jobs_queue_url else None
    recorded = record_chunks(images, ledger, queue)
    counts = {"succeeded": 0, "failed": 0, "duplicates": recorded.duplicates}

    def settle(record: SQSRecord) -> None:
        planned = plan[record.message_id]
        if isinstance(planned, Exception):
            raise planned
        if not isinstance(planned, list):
            run_step(planned, model, settings, context.get_remaining_time_in_millis)
            return
        if record.message_id in recorded.failures:
            raise recorded.failures[record.message_id]
        for item, result in planned:
            if isinstance(result, Exception):
                raise result
            _write(item, result, writer, counts)

    # A batch in which every message fails is reported like any other, not raised: SQS then
    # redelivers exactly the listed messages either way, and the log shows one line per batch.
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


def _plan(
    records: list[dict[str, Any]],
    model: Classifier,
    settings: Settings,
    cache: ContentCache,
    details: RequestDetails,
) -> dict[str, Planned]:
    """Each message's work items paired with their results, or why the message must fail."""
    plan: dict[str, Planned] = {}
    items: list[tuple[str, WorkItem]] = []
    for record in records:
        try:
            task = parse_task(record["body"])
            if task is not None:
                plan[record["messageId"]] = task
                continue
            items += [(record["messageId"], item) for item in parse_body(record["body"])]
            plan[record["messageId"]] = []
        except ValueError as exc:
            plan[record["messageId"]] = exc
    details["images"] = len(items)
    try:
        results = batch_work.process([item for _, item in items], model, settings, cache, details)
    except Exception as exc:  # the model itself failed: every message is retried
        logger.exception("batch failed")
        return {m: exc if isinstance(p, list) else p for m, p in plan.items()}
    for (message_id, item), result in zip(items, results, strict=True):
        planned = plan[message_id]
        assert isinstance(planned, list)
        planned.append((item, result))
    return plan


def _write(item: WorkItem, result: Done, writer: OutcomeWriter, counts: dict[str, int]) -> None:
    """Count an image (a job's chunk was recorded before), writing a dropped object's result."""
    succeeded = result.outcome.predictions is not None
    if item.job_id is None:
        writer.put_object(item.s3_key, result.probabilities, result.outcome)
    counts["succeeded" if succeeded else "failed"] += 1
    if not succeeded:
        logger.info(
            "image failed permanently",
            extra={"s3_key": item.s3_key, "job_id": item.job_id, "code": result.outcome.error_code},
        )
