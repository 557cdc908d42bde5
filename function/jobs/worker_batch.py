"""An SQS batch from start to end: parse every message, do all the images at once, then let
Powertools' BatchProcessor settle each message, so that only the messages whose images met
a transient error are reported as failures (ReportBatchItemFailures) and delivered again.
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

from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.jobs import batch_work
from function.jobs.batch_work import Done
from function.jobs.messages import WorkItem, parse_body
from function.jobs.outcomes import OutcomeWriter
from function.jobs.worker_metrics import emit_batch_metrics
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

# A batch in which every message fails is reported like any other, not raised: SQS then
# redelivers exactly the listed messages either way, and the log shows one line per batch.
_processor = BatchProcessor(EventType.SQS, raise_on_entire_batch_failure=False)

Planned = list[tuple[WorkItem, batch_work.Result]] | Exception


def handle(
    event: dict[str, Any], context: Any, model: Classifier, settings: Settings, cache: ContentCache
) -> dict[str, Any]:
    started = time.perf_counter()
    details = RequestDetails(messages=len(event.get("Records", [])))
    plan = _plan(event.get("Records", []), model, settings, cache, details)
    writer = OutcomeWriter(settings.results_table, settings.job_ttl_days, model.version)
    counts = {"succeeded": 0, "failed": 0, "duplicates": 0}

    def settle(record: SQSRecord) -> None:
        planned = plan[record.message_id]
        if isinstance(planned, Exception):
            raise planned
        for item, result in planned:
            if isinstance(result, Exception):
                raise result
            _write(item, result, writer, counts)

    answer: dict[str, Any] = dict(process_partial_response(event, settle, _processor, context))
    for failure in _processor.fail_messages:
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
            items += [(record["messageId"], item) for item in parse_body(record["body"])]
            plan[record["messageId"]] = []
        except ValueError as exc:
            plan[record["messageId"]] = exc
    details["images"] = len(items)
    try:
        results = batch_work.process([item for _, item in items], model, settings, cache, details)
    except Exception as exc:  # the model itself failed: every message is retried
        logger.exception("batch failed")
        return {record["messageId"]: exc for record in records}
    for (message_id, item), result in zip(items, results, strict=True):
        planned = plan[message_id]
        assert isinstance(planned, list)
        planned.append((item, result))
    return plan


def _write(item: WorkItem, result: Done, writer: OutcomeWriter, counts: dict[str, int]) -> None:
    succeeded = result.outcome.predictions is not None
    if item.job_id is None:
        writer.put_object(item.s3_key, result.probabilities, result.outcome)
    elif not writer.record(item.job_id, item.index, item.s3_key, result.outcome):
        counts["duplicates"] += 1
        writer.finish_if_complete(item.job_id)  # the earlier delivery may have stopped short
        return
    counts["succeeded" if succeeded else "failed"] += 1
    if not succeeded:
        logger.info(
            "image failed permanently",
            extra={"s3_key": item.s3_key, "job_id": item.job_id, "code": result.outcome.error_code},
        )
