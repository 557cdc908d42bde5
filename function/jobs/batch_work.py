"""One SQS batch's images: read them all from S3, then classify them as one tensor batch.

Each item ends as an Outcome (predictions, or a permanent error such as not an image, too
many pixels or object gone) or as the transient exception (S3 throttling, a time-out) that
must fail only its own message so that SQS delivers it again.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from function.aws.s3 import image_store, incoming_store
from function.aws.sources import source_store
from function.cache.cached_scoring import score_with_cache
from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.inference.scoring import rank
from function.jobs.messages import WorkItem
from function.jobs.outcomes import Outcome
from function.shared import errors
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

# S3 reads are network waits: a batch of ten reads in parallel, not one after another.
READ_THREADS = 10


@dataclass(frozen=True)
class Done:
    outcome: Outcome
    probabilities: np.ndarray | None = None


Result = Done | Exception


def process(
    items: list[WorkItem],
    model: Classifier,
    settings: Settings,
    cache: ContentCache,
    details: RequestDetails,
) -> list[Result]:
    with ThreadPoolExecutor(READ_THREADS) as pool:
        read = list(pool.map(lambda item: _read(item, settings), items))
    readable = [position for position, data in enumerate(read) if isinstance(data, bytes)]
    images: list[bytes] = [read[position] for position in readable]  # type: ignore[misc]
    # A loop of its own, not asyncio.run: that unsets the thread's event loop when done, and
    # Mangum, in the same process locally and in tests, expects to find one.
    loop = asyncio.new_event_loop()
    try:
        scored = loop.run_until_complete(score_with_cache(images, model, settings, cache, details))
    finally:
        loop.close()
    # The bytes at the readable positions are replaced by their outcomes below.
    results: list[Result] = list(read)  # type: ignore[arg-type]
    for position, entry in zip(readable, scored, strict=True):
        if entry.error is not None:
            results[position] = Done(_failure(entry.error))
        else:
            assert entry.probabilities is not None
            ranked = rank(entry.probabilities, model.labels, items[position].top_k)
            predictions = [
                {"class": p.label, "index": p.index, "probability": p.probability} for p in ranked
            ]
            results[position] = Done(Outcome(predictions=predictions), entry.probabilities)
    return results


def _read(item: WorkItem, settings: Settings) -> bytes | Result:
    """The image's bytes, a permanent failure as a Done, or a transient exception."""
    uploaded = item.s3_key.startswith(settings.upload_prefix)
    store = image_store(settings) if uploaded else incoming_store(settings)
    try:
        if item.listed:  # found by listing a prefix: any key, in an allowed bucket
            store = source_store(settings, item.bucket or settings.images_bucket)
        elif item.bucket not in (None, settings.images_bucket):
            raise errors.InvalidS3Key(f"The bucket '{item.bucket}' is not IMAGES_BUCKET.")
        return store.read(item.s3_key)
    except errors.StorageUnavailable as exc:
        return exc
    except errors.ServiceError as exc:  # object gone, too large, empty, not our key
        return Done(_failure(exc))
    except Exception as exc:  # anything unforeseen: retry, then the DLQ keeps it
        return exc


def _failure(error: errors.ServiceError) -> Outcome:
    return Outcome(error_code=error.code, error_message=error.message)
