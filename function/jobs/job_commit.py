"""After a batch's images are classified: record each job's chunks in one transaction per job.

A chunk message is recorded only when every image in it has an outcome (a result or a
permanent error); one transient error fails the whole message and SQS delivers the chunk
again. The outcome per message id: None (recorded, or a duplicate of a recorded chunk) or
the exception that must fail it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from function.aws.queue import WorkQueue
from function.jobs.batch_work import Done, Result
from function.jobs.chunk_record import Entry
from function.jobs.completion import finish_if_counted
from function.jobs.ledger import Chunk, Ledger
from function.jobs.messages import WorkItem
from function.shared.observability import logger
from function.shared.settings import Settings

Planned = Sequence[tuple[WorkItem, Result]]


@dataclass(frozen=True)
class Recorded:
    failures: dict[str, Exception]  # message id -> why it must be delivered again
    duplicates: int  # chunks that an earlier delivery had recorded


def record_chunks(
    messages: Mapping[str, Planned], ledger: Ledger, queue: WorkQueue | None
) -> Recorded:
    failures: dict[str, Exception] = {}
    by_job: dict[str, list[tuple[str, Chunk]]] = defaultdict(list)
    for message_id, planned in messages.items():
        job_ids = {item.job_id for item, _ in planned}
        if not planned or None in job_ids:
            continue  # the drop folder's objects, written one by one by the caller
        broken = next((r for _, r in planned if isinstance(r, Exception)), None)
        if broken is not None:
            failures[message_id] = broken
            continue
        # In index order: the pipeline hands results over as they finish.
        entries = sorted(
            (
                Entry(item.index, item.s3_key, result.outcome)
                for item, result in planned
                if isinstance(result, Done)
            ),
            key=lambda entry: entry.index,
        )
        [job_id] = job_ids
        assert job_id is not None
        by_job[job_id].append((message_id, Chunk(planned[0][0].chunk, entries)))
    duplicates = 0
    for job_id, chunks in by_job.items():
        try:
            recorded = ledger.commit(job_id, [chunk for _, chunk in chunks])
            duplicates += len({chunk.number for _, chunk in chunks} - recorded)
            if queue is not None:
                again = len(recorded) < len(chunks)  # an earlier delivery may have stopped short
                finish_if_counted(ledger.table, queue, job_id, recovering=again)
        except Exception as exc:
            logger.warning("chunks not recorded", extra={"job_id": job_id, "cause": repr(exc)})
            failures |= {message_id: exc for message_id, _ in chunks}
    return Recorded(failures, duplicates)


def record_batch(
    chunks: Mapping[str, Planned],
    failures: dict[str, Exception],
    counts: dict[str, int],
    model_version: str,
    settings: Settings,
) -> None:
    """Record a batch's chunks whose images all have an outcome; add its failures and counts."""
    whole = {mid: planned for mid, planned in chunks.items() if mid not in failures}
    ledger = Ledger(settings.results_table, settings.job_ttl_days, model_version)
    queue = WorkQueue(settings.jobs_queue_url) if settings.jobs_queue_url else None
    recorded = record_chunks(whole, ledger, queue)
    failures.update(recorded.failures)
    counts["duplicates"] += recorded.duplicates
    for message_id, planned in whole.items():
        if message_id in recorded.failures:
            continue
        for item, result in planned:
            if not isinstance(result, Done):
                continue
            succeeded = result.outcome.predictions is not None
            counts["succeeded" if succeeded else "failed"] += 1
            if not succeeded:
                log_failed(item, result)


def log_failed(item: WorkItem, result: Done) -> None:
    logger.info(
        "image failed permanently",
        extra={"s3_key": item.s3_key, "job_id": item.job_id, "code": result.outcome.error_code},
    )
