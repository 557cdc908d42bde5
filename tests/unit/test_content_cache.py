"""The LRU map and the two-layer content cache, with fakes for the DynamoDB layer."""

from __future__ import annotations

import numpy as np
import pytest

from function.cache.content import ContentCache, cache_key
from function.cache.lru import LruMap
from function.inference.classifier import Prediction
from function.inference.scoring import rank


class FakeTable:
    def __init__(self, broken: bool = False) -> None:
        self.items: dict[str, bytes] = {}
        self.broken = broken

    def get(self, pk: str) -> bytes | None:
        if self.broken:
            raise ConnectionError("dynamodb down")
        return self.items.get(pk)

    def put(self, pk: str, value: bytes, ttl_seconds: int) -> None:
        if self.broken:
            raise ConnectionError("dynamodb down")
        self.items[pk] = value


def vector(seed: int = 0) -> np.ndarray:
    values = np.random.default_rng(seed).random(1000).astype(np.float32)
    return values / values.sum()


def test_lru_evicts_the_least_recently_used() -> None:
    lru = LruMap[int](2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "b" is now the oldest
    lru.put("c", 3)
    assert (lru.get("a"), lru.get("b"), lru.get("c")) == (1, None, 3)
    assert len(lru) == 2
    with pytest.raises(ValueError, match="capacity"):
        LruMap[int](0)


def test_key_is_content_and_model_version() -> None:
    key = cache_key(b"abc", "v1")
    assert key == "cache#ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad#v1"
    assert cache_key(b"abc", "v2") != key
    assert cache_key(b"abd", "v1") != key


def test_memory_layer_round_trip_is_read_only() -> None:
    cache = ContentCache(LruMap(4), None, 60)
    details: dict = {}
    assert cache.get("k", 1000, details) is None
    cache.put("k", vector(), details)
    found = cache.get("k", 1000, details)
    assert np.array_equal(found, vector())
    assert not found.flags.writeable


def test_table_layer_fills_memory_and_survives_a_new_environment() -> None:
    table = FakeTable()
    ContentCache(LruMap(4), table, 60).put("k", vector(1), {})
    fresh = ContentCache(LruMap(4), table, 60)  # another execution environment
    assert np.array_equal(fresh.get("k", 1000, {}), vector(1))
    table.items.clear()
    assert np.array_equal(fresh.get("k", 1000, {}), vector(1))  # now from memory


def test_a_value_of_the_wrong_size_is_a_miss() -> None:
    table = FakeTable()
    table.items["k"] = b"\x00" * 12
    assert ContentCache(None, table, 60).get("k", 1000, {}) is None


def test_a_broken_table_fails_open_and_counts(caplog) -> None:
    cache = ContentCache(None, FakeTable(broken=True), 60)
    details: dict = {}
    assert cache.get("k", 1000, details) is None
    cache.put("k", vector(), details)
    assert details["cache_errors"] == 2
    assert "results cache unavailable" in caplog.text


def test_rank_serves_any_top_k_with_ties_to_the_lower_index() -> None:
    probabilities = np.array([0.1, 0.3, 0.3, 0.2, 0.1], dtype=np.float32)
    labels = list("abcde")
    assert [p.index for p in rank(probabilities, labels, 5)] == [1, 2, 3, 0, 4]
    assert rank(probabilities, labels, 2) == [
        Prediction("b", 1, pytest.approx(0.3)),
        Prediction("c", 2, pytest.approx(0.3)),
    ]
    assert len(rank(probabilities, labels, 99)) == 5
    # Past numpy's insertion-sort threshold, only a stable sort keeps that order.
    many = np.tile(np.array([0.1, 0.3, 0.3, 0.2], dtype=np.float32), 250)
    expected = sorted(range(1000), key=lambda index: (-many[index], index))
    assert [p.index for p in rank(many, [str(i) for i in range(1000)], 1000)] == expected
