"""Probabilities for a list of images: from the content cache when it has them, else the model.

Misses from one request go to the model together, as one batch tensor, in one hop to the
model thread. Per-request counts of hits and misses land in the request's log details.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Literal

import numpy as np

from function.cache.content import ContentCache, cache_key, decode_variant
from function.inference.classifier import Classifier
from function.inference.model_thread import run_on_model_thread
from function.inference.scoring import score_images
from function.shared import errors
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings


@dataclass(frozen=True)
class Scored:
    cache: Literal["hit", "miss"]
    probabilities: np.ndarray | None = None
    error: errors.ServiceError | None = None


async def score_with_cache(
    images: list[bytes],
    model: Classifier,
    settings: Settings,
    cache: ContentCache,
    details: RequestDetails,
) -> list[Scored]:
    variant = decode_variant(
        model.preprocessing, settings.allowed_formats, settings.max_image_pixels
    )
    keys = [cache_key(data, model.version, variant) for data in images]
    num_classes = len(model.labels)

    def lookup() -> list[np.ndarray | None]:
        return [cache.get(key, num_classes, details) for key in keys]

    # DynamoDB is blocking network I/O: off the event loop. Memory alone is not worth a hop.
    found = await asyncio.to_thread(lookup) if cache.table else lookup()
    misses = [position for position, hit in enumerate(found) if hit is None]
    scored = [Scored("hit", hit) if hit is not None else None for hit in found]
    if misses:
        fresh = await run_on_model_thread(
            score_images, [images[p] for p in misses], model, settings, details
        )
        computed = []
        for position, outcome in zip(misses, fresh, strict=True):
            if isinstance(outcome, errors.ServiceError):
                scored[position] = Scored("miss", error=outcome)
            else:
                scored[position] = Scored("miss", outcome)
                computed.append((keys[position], outcome))

        def store() -> None:
            for key, probabilities in computed:
                cache.put(key, probabilities, details)

        if cache.table:
            await asyncio.to_thread(store)
        else:
            store()
    details["cache_hits"] = len(images) - len(misses)
    details["cache_misses"] = len(misses)
    answered = [entry for entry in scored if entry is not None]
    details["top1_probabilities"] = [
        round(float(entry.probabilities.max()), 4)
        for entry in answered
        if entry.probabilities is not None
    ]
    details["confidence_floor"] = settings.confidence_floor
    return answered
