"""The steps one image of a worker batch goes through, each run on a thread of image_pipeline:
read it from S3, look it up in the content cache or decode it into a model input, and turn
the model's probabilities into its Outcome.

Each item ends as a Done (predictions, or a permanent error such as not an image, too many
pixels or object gone), as Skipped (not ours to record), or as the transient exception (S3
throttling, a time-out) that must fail only its own message so that SQS delivers it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from function.aws.s3 import image_store, incoming_store
from function.aws.sources import source_store
from function.cache.content import ContentCache, cache_key
from function.inference.classifier import Classifier
from function.inference.pipeline import prepare_image
from function.inference.scoring import rank
from function.jobs.byte_budget import ByteBudget
from function.jobs.messages import WorkItem
from function.jobs.outcomes import Outcome
from function.shared import errors
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings


@dataclass(frozen=True)
class Done:
    outcome: Outcome
    probabilities: np.ndarray | None = None


@dataclass(frozen=True)
class Skipped:
    """Nothing to record: an S3 event of a bucket that is not IMAGES_BUCKET."""

    reason: str


Result = Done | Skipped | Exception
Rows = list[np.ndarray | Exception]


@dataclass(frozen=True)
class Read:
    data: bytes
    reserved: int  # bytes taken from the budget, given back once decoded


@dataclass(frozen=True)
class Prepared:
    tensor: np.ndarray
    cache_key: str


def read(item: WorkItem, settings: Settings, budget: ByteBudget) -> Read | Result:
    """The image's bytes, a permanent failure as a Done, or a transient exception."""
    if not item.listed and item.bucket not in (None, settings.images_bucket):
        if item.job_id is None:
            # The drop folder's results are keyed by object key alone: an event from another
            # bucket must not replace the result of our object of the same name.
            logger.warning("S3 event of another bucket ignored", extra={"bucket": item.bucket})
            return Skipped(f"bucket {item.bucket} is not IMAGES_BUCKET")
        return Done(_failure(errors.InvalidS3Key(f"The bucket '{item.bucket}' is not ours.")))
    uploaded = item.s3_key.startswith(settings.upload_prefix)
    reserved = 0

    def reserve(size: int) -> None:
        nonlocal reserved
        budget.acquire(size)
        reserved = size

    try:
        store = image_store(settings) if uploaded else incoming_store(settings)
        if item.listed:  # found by listing a prefix: any key, in an allowed bucket
            store = source_store(settings, item.bucket or settings.images_bucket)
        return Read(store.read(item.s3_key, reserve), reserved)
    except errors.StorageUnavailable as exc:
        budget.release(reserved)
        return exc
    except errors.ServiceError as exc:  # object gone, too large, empty, not our key
        budget.release(reserved)
        return Done(_failure(exc))
    except Exception as exc:  # anything unforeseen, or out of time: retry; the DLQ keeps it
        budget.release(reserved)
        return exc


def prepare(
    data: bytes,
    variant: str,
    model: Classifier,
    settings: Settings,
    cache: ContentCache,
    details: RequestDetails,
) -> Prepared | np.ndarray | Done:
    """A model input, the cached probabilities, or the image's permanent failure."""
    key = cache_key(data, model.version, variant)
    hit = cache.get(key, len(model.labels), details)
    if hit is not None:
        return hit
    try:
        return Prepared(prepare_image(data, model.preprocessing, settings, details), key)
    except errors.ServiceError as exc:
        return Done(_failure(exc))


def done(item: WorkItem, probabilities: np.ndarray, model: Classifier) -> Done:
    ranked = rank(probabilities, model.labels, item.top_k)
    predictions = [
        {"class": p.label, "index": p.index, "probability": p.probability} for p in ranked
    ]
    return Done(Outcome(predictions=predictions), probabilities)


def infer(tensors: list[np.ndarray], model: Classifier) -> tuple[Rows, float]:
    """Probabilities per input; if the group fails as a whole, image by image."""
    started = time.perf_counter()
    rows: Rows
    try:
        rows = list(model.probabilities(np.stack(tensors)))
    except Exception as exc:
        if len(tensors) == 1:
            rows = [exc]
        else:
            logger.warning("a batch failed as a whole; one image at a time", exc_info=True)
            rows = [infer_one(tensor, model) for tensor in tensors]
    return rows, (time.perf_counter() - started) * 1000


def infer_one(tensor: np.ndarray, model: Classifier) -> np.ndarray | Exception:
    try:
        [row] = model.probabilities(tensor[None])
    except Exception as exc:
        return exc
    return np.asarray(row)


def _failure(error: errors.ServiceError) -> Outcome:
    return Outcome(error_code=error.code, error_message=error.message)
