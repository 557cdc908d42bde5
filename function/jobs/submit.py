"""Creating a job: store it, queue its work, and make a retry safe.

An s3_keys job queues its images in chunks (function/jobs/chunk_record.py sizes them); a
prefix job queues one list step, and the worker lists the prefix page by page.

With an Idempotency-Key, the key is claimed first (a conditional put) for a fresh job id.
A retry finds the claim: with the same request it gets the same job, and if the first
attempt died before its messages were all sent, the retry sends them again. That is safe
because the worker records each (job, chunk) once. The same key with a different request is
refused. This is the Powertools idempotency utility's contract, done with one conditional
put in the table the jobs already use, because the unit of work is a job, not a function call.

When a request fails after the job was stored, the job is marked with how many images were
queued (GET /jobs/{id} answers `failed_to_submit`), and the error names the job. A failure
that no retry can cure (a bug) also releases the Idempotency-Key, so that it is not held by a
job that will never run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from function.aws.clients import failure_kind
from function.aws.queue import MessagesNotSent, WorkQueue
from function.jobs.chunk_record import images_per_chunk
from function.jobs.idempotency import IdempotencyClaims
from function.jobs.messages import chunk_message
from function.jobs.store import JobStore
from function.jobs.tasks import ListStep
from function.shared import errors
from function.shared.observability import log_unhandled_error, logger


@dataclass(frozen=True)
class Submitted:
    job_id: str
    replayed: bool


@dataclass
class _Progress:
    job_id: str
    claimed: bool = False  # this request holds the Idempotency-Key for job_id
    stored: bool = False  # the job item is written
    queued: bool = False  # every message went out


# Store the job under progress.job_id (then set progress.stored) and queue its work.
Start = Callable[[_Progress], None]


def request_hash(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(
    store: JobStore,
    queue: WorkQueue,
    s3_keys: list[str],
    top_k: int,
    idempotency: tuple[str, str] | None,
    *,
    owner: str,
) -> Submitted:
    """idempotency: (the caller's scope, its id; the Idempotency-Key header). owner: the
    caller id (function/api/caller.py), the only one that may read the job."""

    def start(progress: _Progress) -> None:
        store.create(progress.job_id, s3_keys, top_k, owner)
        progress.stored = True
        size = images_per_chunk(top_k)
        numbered = list(enumerate(s3_keys))
        chunks = [numbered[first : first + size] for first in range(0, len(numbered), size)]
        job_id = progress.job_id
        queue.send_all([chunk_message(job_id, n, None, top_k, c) for n, c in enumerate(chunks)])

    request = {"s3_keys": s3_keys, "top_k": top_k}
    return _guarded(store, request, start, idempotency)


def submit_prefix(
    store: JobStore,
    queue: WorkQueue,
    bucket: str,
    prefix: str,
    top_k: int,
    idempotency: tuple[str, str] | None,
    *,
    owner: str,
) -> Submitted:
    """A job over every object under the prefix; the API never lists (it has 29 seconds)."""

    def start(progress: _Progress) -> None:
        store.create_prefix(progress.job_id, bucket, prefix, top_k, owner)
        progress.stored = True
        queue.send_all([ListStep(progress.job_id, bucket, prefix, top_k).body()])

    request = {"s3_prefix": prefix, "bucket": bucket, "top_k": top_k}
    return _guarded(store, request, start, idempotency)


def _guarded(
    store: JobStore,
    request: dict[str, Any],
    start: Start,
    idempotency: tuple[str, str] | None,
) -> Submitted:
    progress = _Progress(str(uuid.uuid4()))
    try:
        return _submit(store, request, start, idempotency, progress)
    except errors.ServiceError:
        raise  # a reused key: nothing was stored
    except Exception as exc:
        transient = exc.transient if isinstance(exc, MessagesNotSent) else bool(failure_kind(exc))
        sent = _images(request, exc.sent if isinstance(exc, MessagesNotSent) else 0)
        _record_failure(store, progress, sent)
        fields = {"job_id": progress.job_id} if progress.stored else {}
        message = _what_happened(progress, sent, request)
        if transient:
            logger.warning("job not submitted", extra={"cause": repr(exc), **fields})
            advice = "Retry: with the same Idempotency-Key the retry completes this job."
            raise errors.JobStoreUnavailable(message and f"{message} {advice}", fields) from exc
        log_unhandled_error("job not submitted: a bug")
        if idempotency is not None and progress.claimed:
            _release(store, idempotency, progress.job_id)
        raise errors.ServiceError(message, fields) from exc


def _submit(
    store: JobStore,
    request: dict[str, Any],
    start: Start,
    idempotency: tuple[str, str] | None,
    progress: _Progress,
) -> Submitted:
    replayed = False
    if idempotency is not None:
        wanted = request_hash(request)
        claims = IdempotencyClaims(store.table, store.ttl_days)
        earlier = claims.claim(*idempotency, progress.job_id, wanted)
        if earlier is not None:
            progress.job_id, earlier_hash = earlier
            if earlier_hash != wanted:
                raise errors.IdempotencyKeyReused()
            replayed = True
            job = store.get(progress.job_id)
            if job is not None and job.enqueued:
                return Submitted(progress.job_id, replayed)
        progress.claimed = True
    start(progress)
    progress.queued = True
    store.mark_enqueued(progress.job_id)
    shown = {name: value for name, value in request.items() if name != "s3_keys"}
    logger.info("job submitted", extra={"job_id": progress.job_id, **shown})
    return Submitted(progress.job_id, replayed)


def _images(request: dict[str, Any], messages: int) -> int:
    """Images in the first `messages` chunk messages of an s3_keys job (a prefix job: 0)."""
    keys = request.get("s3_keys", [])
    return min(messages * images_per_chunk(request["top_k"]), len(keys))


def _record_failure(store: JobStore, progress: _Progress, sent: int) -> None:
    if not progress.stored or progress.queued:
        return  # no job to mark, or every message went out (only mark_enqueued failed)
    try:
        store.mark_failed_to_submit(progress.job_id, sent)
    except Exception as exc:  # the table is down too: the error still names the job
        logger.warning("job not marked failed_to_submit", extra={"cause": repr(exc)})


def _release(store: JobStore, idempotency: tuple[str, str], job_id: str) -> None:
    try:
        IdempotencyClaims(store.table, store.ttl_days).release(*idempotency, job_id)
    except Exception as exc:
        logger.warning("Idempotency-Key not released", extra={"cause": repr(exc)})


def _what_happened(progress: _Progress, sent: int, request: dict[str, Any]) -> str | None:
    if not progress.stored:
        return None  # nothing was stored: the error's default message says it all
    if progress.queued:
        return f"Job {progress.job_id} is queued, but its record could not be updated."
    if "s3_keys" not in request:
        return (
            f"Job {progress.job_id} was stored, but its listing could not be queued; "
            "GET /jobs/{job_id} shows it as failed_to_submit."
        )
    return (
        f"Job {progress.job_id} was stored, but only {sent} of its {len(request['s3_keys'])} "
        "images were queued; GET /jobs/{job_id} shows it as failed_to_submit."
    )
