"""A chunk's item: what goes in comes out, and the largest chunk stays under 400 KB."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from function.jobs.chunk_record import (
    MAX_CHUNK_IMAGES,
    Entry,
    decode,
    encode,
    images_per_chunk,
)
from function.jobs.outcomes import Outcome

LABELS = [f"class number {i}" for i in range(1000)]
DYNAMODB_ITEM_LIMIT = 400 * 1024


def predictions(k: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(LABELS))[:k]
    values = np.sort(rng.random(k).astype(np.float32))[::-1]
    return [
        {"class": LABELS[c], "index": int(c), "probability": float(p)}
        for c, p in zip(chosen, values, strict=True)
    ]


def item_bytes(attributes: dict, pk: str) -> int:
    """DynamoDB's item size: names plus values (binary as raw bytes)."""
    size = len("pk") + len(pk.encode())
    for name, value in attributes.items():
        [(kind, raw)] = value.items()
        size += len(name.encode()) + (len(raw) if kind == "B" else len(str(raw).encode()))
    return size


def test_outcomes_round_trip_with_their_labels() -> None:
    entries = [
        Entry(10, "photos/a,b.jpg", Outcome(predictions=predictions(5, 1))),
        Entry(
            11,
            'photos/"quoted".png',
            Outcome(error_code="unsupported_image_format", error_message="no"),
        ),
        Entry(12, "photos/été.jpg", Outcome(predictions=predictions(5, 2))),
    ]
    decoded = decode(encode(entries, "v1"), LABELS, "v1")
    assert decoded == entries


def test_another_models_predictions_read_as_failed_not_misnamed() -> None:
    entries = [Entry(0, "k", Outcome(predictions=predictions(3, 0)))]
    [entry] = decode(encode(entries, "old-model"), LABELS, "new-model")
    assert entry.outcome.error_code == "model_changed"


@pytest.mark.parametrize("top_k", [1, 5, 100, 1000, 21_843])
def test_the_largest_chunk_fits_one_item(top_k: int) -> None:
    """Keys of S3's longest (1024 bytes), incompressible probabilities, top_k up to the classes."""
    labels = [str(i) for i in range(max(top_k, 1000))]
    size = images_per_chunk(top_k)
    rng = np.random.default_rng(0)
    entries = []
    for index in range(size):
        key = "".join(chr(0x4E00 + int(c)) for c in rng.integers(0, 20_000, 341)) + "x"
        assert len(key.encode()) == 1024
        chosen = rng.permutation(len(labels))[:top_k]
        rows = [
            {"class": labels[c], "index": int(c), "probability": float(rng.random())}
            for c in chosen
        ]
        entries.append(Entry(index, key, Outcome(predictions=rows)))
    pk = f"job#{'0' * 36}#chunk#{10**9}"
    assert item_bytes(encode(entries, "v" * 12), pk) < DYNAMODB_ITEM_LIMIT - 10_000
    assert decode(encode(entries, "v"), labels, "v") == [
        Entry(
            e.index,
            e.s3_key,
            Outcome(
                predictions=[
                    {**p, "probability": float(np.float32(p["probability"]))}
                    for p in e.outcome.predictions
                ]
            ),
        )
        for e in entries
    ]


def test_failed_images_with_long_messages_fit_too() -> None:
    key = "k" * 1024
    message = "m" * 600
    entries = [
        Entry(i, key, Outcome(error_code="image_decode_error", error_message=message))
        for i in range(MAX_CHUNK_IMAGES)
    ]
    assert item_bytes(encode(entries, "v"), "pk") < 30_000


def test_ten_images_per_chunk_unless_top_k_is_huge() -> None:
    assert images_per_chunk(5) == images_per_chunk(1000) == MAX_CHUNK_IMAGES
    assert 1 <= images_per_chunk(21_843) < MAX_CHUNK_IMAGES
    assert images_per_chunk(10**7) == 1


def test_the_metadata_is_compressed() -> None:
    entries = [
        Entry(i, "photos/2026/" + "x" * 200, Outcome(predictions=predictions(5, i)))
        for i in range(10)
    ]
    meta = encode(entries, "v")["meta"]["B"]
    assert len(meta) < len(zlib.decompress(meta)) / 3
