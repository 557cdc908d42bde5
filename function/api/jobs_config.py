"""What the jobs routes need from the settings, or the 501 that says what to set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from function.aws.clients import failure_kind
from function.aws.queue import WorkQueue
from function.aws.s3 import image_store, incoming_store
from function.jobs.store import JobStore
from function.shared import errors
from function.shared.observability import logger
from function.shared.settings import Settings


def job_store(settings: Settings) -> JobStore:
    if not (settings.results_table and settings.jobs_queue_url):
        raise errors.JobsNotConfigured()
    image_store(settings)  # the 501 for a missing bucket
    return JobStore(settings.results_table, settings.job_ttl_days)


def work_queue(settings: Settings) -> WorkQueue:
    return WorkQueue(settings.jobs_queue_url)


def keys_checker(settings: Settings) -> Callable[[int, str], None]:
    """Accept a key under UPLOAD_PREFIX or INCOMING_PREFIX, checked as /classify checks it."""
    stores = [image_store(settings), incoming_store(settings)]

    def check(index: int, key: str) -> None:
        store = next((s for s in stores if key.startswith(s.prefix)), stores[0])
        try:
            store.check_key(key)
        except errors.InvalidS3Key as exc:
            raise errors.InvalidS3Key(
                f"s3_keys[{index}]: {exc.message} A job's keys start with "
                f"'{stores[0].prefix}' or '{stores[1].prefix}'."
            ) from exc

    return check


@contextmanager
def store_errors() -> Iterator[None]:
    """botocore's exceptions from the jobs table as a 503, with the cause in the log."""
    try:
        yield
    except Exception as exc:
        if failure_kind(exc) is None:
            raise
        logger.warning("jobs table unavailable", extra={"cause": repr(exc)})
        raise errors.JobStoreUnavailable() from exc
