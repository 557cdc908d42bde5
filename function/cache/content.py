"""Cached probabilities for an image: layer 1 in memory, layer 2 in DynamoDB, failing open.

The value is the whole softmax vector (float32, 4 KB for 1000 classes), not a top-k list, so
one entry answers every top_k and ranks exactly as a fresh inference would. The key is the
sha256 of the image bytes plus the model version: a new model never serves an old answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from function.cache.lru import LruMap
from function.shared.observability import logger
from function.shared.request_state import RequestDetails
from function.shared.settings import get_settings

if TYPE_CHECKING:
    from function.aws.results import ResultsTable

DTYPE = np.dtype("<f4")


def cache_key(data: bytes, model_version: str, variant: str = "") -> str:
    """`variant` names whatever else decides the answer (decode_variant): without it, a hit
    could skip limits tightened since, or preprocessing changed with the same weights."""
    suffix = f"#{variant}" if variant else ""
    return f"cache#{hashlib.sha256(data).hexdigest()}#{model_version}{suffix}"


def decode_variant(preprocessing: object, allowed_formats: tuple[str, ...], max_pixels: int) -> str:
    """A short fingerprint of the preprocessing and the decode limits."""
    record = repr((preprocessing, sorted(allowed_formats), max_pixels)).encode()
    return hashlib.sha256(record).hexdigest()[:12]


@dataclass
class ContentCache:
    memory: LruMap[np.ndarray] | None
    table: ResultsTable | None
    ttl_seconds: int

    def get(self, key: str, num_classes: int, details: RequestDetails) -> np.ndarray | None:
        if self.memory is not None and (found := self.memory.get(key)) is not None:
            return found
        if self.table is None:
            return None
        try:
            blob = self.table.get(key)
        except Exception as exc:
            _fail_open(details, "get", exc)
            return None
        if blob is None or len(blob) != num_classes * DTYPE.itemsize:
            return None
        probabilities = np.frombuffer(blob, dtype=DTYPE)
        if self.memory is not None:
            self.memory.put(key, probabilities)
        return probabilities

    def put(self, key: str, probabilities: np.ndarray, details: RequestDetails) -> None:
        value = np.ascontiguousarray(probabilities, dtype=DTYPE)
        value.flags.writeable = False  # shared by every later hit
        if self.memory is not None:
            self.memory.put(key, value)
        if self.table is None:
            return
        try:
            self.table.put(key, value.tobytes(), self.ttl_seconds)
        except Exception as exc:
            _fail_open(details, "put", exc)


def _fail_open(details: RequestDetails, operation: str, exc: Exception) -> None:
    """A cache outage costs an inference, never a request: count it, log it, carry on."""
    details["cache_errors"] = details.get("cache_errors", 0) + 1
    logger.warning("results cache unavailable", extra={"operation": operation, "cause": repr(exc)})


@lru_cache(maxsize=1)
def get_content_cache() -> ContentCache:
    settings = get_settings()
    memory = LruMap[np.ndarray](settings.cache_size) if settings.cache_size else None
    table = None
    if settings.results_table:
        from function.aws.results import ResultsTable  # only where a table is configured

        table = ResultsTable(settings.results_table)
    return ContentCache(memory, table, settings.cache_ttl_seconds)


@lru_cache(maxsize=1)
def get_worker_cache() -> ContentCache:
    """The worker's cache: memory only. A job of distinct images never reads an entry again,
    so the shared DynamoDB layer (a 4 KB write per image) would be paid for nothing; it stays
    with /classify and /classify/batch, where clients send the same image again."""
    settings = get_settings()
    memory = LruMap[np.ndarray](settings.cache_size) if settings.cache_size else None
    return ContentCache(memory, None, settings.cache_ttl_seconds)
