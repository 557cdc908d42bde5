"""Creating a job: store it, queue its work, and make a retry safe.

An s3_keys job queues its images in chunks (function/jobs/chunk_record.py sizes them); a
prefix job queues one list step, and the worker lists the prefix page by page.

With an Idempotency-Key, the key is claimed first (a conditional put) for a fresh job id.
A retry finds the claim: with the same request it gets the same job, and if the first
attempt died before its messages were all sent, the retry sends them again. That is safe
because the worker records each (job, chunk) once. The same key with a different request is
refused. This is the Powertools idempotency utility's contract, done with one conditional
put in the table the jobs already use, because the unit of work is a job, not a function call.
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
from function.jobs.messages import chunk_message
from function.jobs.store import JobStore
from function.jobs.tasks import ListStep
from function.shared import errors
from function.shared.observability import logger


@dataclass(frozen=True)
class Submitted:
    job_id: str
    replayed: bool


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

    def start(job_id: str) -> None:
        store.create(job_id, s3_keys, top_k, owner)
        size = images_per_chunk(top_k)
        numbered = list(enumerate(s3_keys))
        chunks = [numbered[first : first + size] for first in range(0, len(numbered), size)]
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

    def start(job_id: str) -> None:
        store.create_prefix(job_id, bucket, prefix, top_k, owner)
        queue.send_all([ListStep(job_id, bucket, prefix, top_k).body()])

    request = {"s3_prefix": prefix, "bucket": bucket, "top_k": top_k}
    return _guarded(store, request, start, idempotency)


def _guarded(
    store: JobStore,
    request: dict[str, Any],
    start: Callable[[str], None],
    idempotency: tuple[str, str] | None,
) -> Submitted:
    try:
        return _submit(store, request, start, idempotency)
    except Exception as exc:
        if not isinstance(exc, MessagesNotSent) and failure_kind(exc) is None:
            raise  # our own errors (a reused key), and bugs
        logger.warning("job not submitted", extra={"cause": repr(exc)})
        raise errors.JobStoreUnavailable() from exc


def _submit(
    store: JobStore,
    request: dict[str, Any],
    start: Callable[[str], None],
    idempotency: tuple[str, str] | None,
) -> Submitted:
    job_id = str(uuid.uuid4())
    replayed = False
    if idempotency is not None:
        wanted = request_hash(request)
        earlier = store.claim_idempotency_key(*idempotency, job_id, wanted)
        if earlier is not None:
            job_id, earlier_hash = earlier
            if earlier_hash != wanted:
                raise errors.IdempotencyKeyReused()
            replayed = True
            job = store.get(job_id)
            if job is not None and job.enqueued:
                return Submitted(job_id, replayed)
    start(job_id)
    store.mark_enqueued(job_id)
    shown = {name: value for name, value in request.items() if name != "s3_keys"}
    logger.info("job submitted", extra={"job_id": job_id, **shown})
    return Submitted(job_id, replayed)
