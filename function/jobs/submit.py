"""Creating a job: store it, queue one message per image, and make a retry safe.

With an Idempotency-Key, the key is claimed first (a conditional put) for a fresh job id.
A retry finds the claim: with the same request it gets the same job, and if the first
attempt died before its messages were all sent, the retry sends them again. That is safe
because the worker records each (job, index) once. The same key with a different request is
refused. This is the Powertools idempotency utility's contract, done with one conditional
put in the table the jobs already use, because the unit of work is a job, not a function call.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from function.aws.clients import failure_kind
from function.aws.queue import MessagesNotSent, WorkQueue
from function.jobs.messages import job_message
from function.jobs.store import JobStore
from function.shared import errors
from function.shared.observability import logger


@dataclass(frozen=True)
class Submitted:
    job_id: str
    replayed: bool


def request_hash(s3_keys: list[str], top_k: int) -> str:
    canonical = json.dumps({"s3_keys": s3_keys, "top_k": top_k}, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(
    store: JobStore,
    queue: WorkQueue,
    s3_keys: list[str],
    top_k: int,
    idempotency: tuple[str, str] | None,
) -> Submitted:
    """idempotency: (the caller's scope, e.g. its API key id; the Idempotency-Key header)."""
    try:
        return _submit(store, queue, s3_keys, top_k, idempotency)
    except Exception as exc:
        if not isinstance(exc, MessagesNotSent) and failure_kind(exc) is None:
            raise  # our own errors (a reused key), and bugs
        logger.warning("job not submitted", extra={"cause": repr(exc)})
        raise errors.JobStoreUnavailable() from exc


def _submit(
    store: JobStore,
    queue: WorkQueue,
    s3_keys: list[str],
    top_k: int,
    idempotency: tuple[str, str] | None,
) -> Submitted:
    job_id = str(uuid.uuid4())
    replayed = False
    if idempotency is not None:
        wanted = request_hash(s3_keys, top_k)
        earlier = store.claim_idempotency_key(*idempotency, job_id, wanted)
        if earlier is not None:
            job_id, earlier_hash = earlier
            if earlier_hash != wanted:
                raise errors.IdempotencyKeyReused()
            replayed = True
            job = store.get(job_id)
            if job is not None and job.enqueued:
                return Submitted(job_id, replayed)
    store.create(job_id, s3_keys, top_k)
    queue.send_all([job_message(job_id, i, key, top_k) for i, key in enumerate(s3_keys)])
    store.mark_enqueued(job_id)
    logger.info("job submitted", extra={"job_id": job_id, "images": len(s3_keys)})
    return Submitted(job_id, replayed)
