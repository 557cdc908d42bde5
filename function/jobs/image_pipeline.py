"""Work items in, one result per item out, with S3 reads, decoding and inference overlapping.

Reads run on I/O threads, decoding and preprocessing on a thread of their own, and the model
on its own thread, so that reads and decoding overlap instead of following each other. The
model takes the inputs that are ready (at least MIN_GROUP, or the last ones) as one tensor
batch. Results come out as each finishes; how they are written is the caller's.

A group that fails as a whole (a model exception, MemoryError) is run again image by image,
so that only the guilty image's message is retried. Nothing waits past the budget's
deadline: what is unfinished then comes out as OutOfTime.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from function.cache.content import ContentCache, decode_variant
from function.inference.classifier import Classifier
from function.inference.model_thread import on_model_thread
from function.jobs import batch_work
from function.jobs.batch_work import Done, Prepared, Read, Result
from function.jobs.byte_budget import ByteBudget, OutOfTime
from function.jobs.messages import WorkItem
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings

READ_THREADS = 10  # S3 reads are network waits
# Decoding takes about a third of the model's time per image: one thread stays ahead of the
# model, and more compete with the model's own threads (measured, docs/worker-notes.md).
PREPARE_THREADS = 1
# The model takes MIN_GROUP inputs at once (or the last ones): an SQS batch of ten single-image
# messages is one forward pass; a bigger batch is several, overlapping reads and writes.
MIN_GROUP = 10
SUMMED: tuple[Any, ...] = ("decode_ms", "preprocess_ms", "inference_ms", "cache_errors")


def classify(
    items: Sequence[WorkItem],
    model: Classifier,
    settings: Settings,
    cache: ContentCache,
    details: RequestDetails,
    budget: ByteBudget,
) -> Iterator[tuple[int, Result]]:
    """(position in items, its result) for every item, in the order they finish."""
    variant = decode_variant(
        model.preprocessing, settings.allowed_formats, settings.max_image_pixels
    )
    reads = ThreadPoolExecutor(READ_THREADS, thread_name_prefix="read")
    prepares = ThreadPoolExecutor(PREPARE_THREADS, thread_name_prefix="prepare")
    forwards = ThreadPoolExecutor(1, thread_name_prefix="forward")
    cache_writes = ThreadPoolExecutor(1, thread_name_prefix="cache")
    stages: dict[Future[Any], tuple[str, Any]] = {}
    waiting: list[tuple[int, Prepared]] = []
    unfinished = set(range(len(items)))
    cache_puts: list[Future[None]] = []
    hits = misses = 0

    def prepare(read: Read) -> tuple[Prepared | np.ndarray | Result, RequestDetails]:
        image_details = RequestDetails()
        try:
            value = batch_work.prepare(read.data, variant, model, settings, cache, image_details)
            return value, image_details
        except Exception as exc:  # unforeseen: this image's message is retried
            return exc, image_details
        finally:
            budget.release(read.reserved)

    try:
        for position, item in enumerate(items):
            stages[reads.submit(batch_work.read, item, settings, budget)] = ("read", position)
        while stages or waiting:
            producing = any(kind != "forward" for kind, _ in stages.values())
            forwarding = any(kind == "forward" for kind, _ in stages.values())
            if waiting and not forwarding and (len(waiting) >= MIN_GROUP or not producing):
                group, waiting = waiting, []
                tensors = [prepared.tensor for _, prepared in group]
                forward = forwards.submit(on_model_thread, batch_work.infer, tensors, model)
                stages[forward] = ("forward", group)
            finished, _ = wait(
                stages, max(0.0, budget.deadline - time.monotonic()), FIRST_COMPLETED
            )
            if not finished:
                break  # out of time
            for future in finished:
                kind, what = stages.pop(future)
                if kind == "read":
                    read: Read | Result = future.result()
                    if isinstance(read, Read):
                        stages[prepares.submit(prepare, read)] = ("prepare", what)
                        continue
                    unfinished.discard(what)
                    yield what, read
                elif kind == "prepare":
                    prepared, image_details = future.result()
                    _add(details, image_details)
                    if isinstance(prepared, Prepared):
                        misses += 1
                        waiting.append((what, prepared))
                        continue
                    if isinstance(prepared, np.ndarray):
                        hits += 1
                        prepared = batch_work.done(items[what], prepared, model)
                    unfinished.discard(what)
                    yield what, prepared
                else:
                    rows, took_ms = future.result()
                    details["inference_ms"] = round(details.get("inference_ms", 0.0) + took_ms, 3)
                    for (position, grouped), row in zip(what, rows, strict=True):
                        unfinished.discard(position)
                        if isinstance(row, Exception):
                            yield position, row
                            continue
                        result = batch_work.done(items[position], row, model)
                        put = cache_writes.submit(
                            cache.put, grouped.cache_key, row, RequestDetails()
                        )
                        cache_puts.append(put)
                        yield position, result
    finally:
        # Cache writes are worth finishing in time; anything else left is abandoned.
        wait(cache_puts, max(0.0, budget.deadline - time.monotonic()))
        for pool in (reads, prepares, forwards, cache_writes):
            pool.shutdown(wait=False, cancel_futures=True)
        details["cache_hits"], details["cache_misses"] = hits, misses
    for position in sorted(unfinished):
        yield position, OutOfTime()


def _add(details: RequestDetails, image_details: RequestDetails) -> None:
    for field in SUMMED:
        if field in image_details:
            total = details.get(field, 0) + image_details[field]  # type: ignore[literal-required]
            details[field] = round(total, 3)  # type: ignore[literal-required]


__all__ = ["Done", "OutOfTime", "classify"]
