"""One chunk's outcomes as one DynamoDB item, compact and bounded below the 400 KB item limit.

  pk     job#<id>#chunk#<n>
  n      how many images the chunk holds
  meta   zlib(JSON [[index, s3_key, error_code | null, error_message | null], ...])
  top    zlib(uint32 class indexes, then float32 probabilities), k per succeeded image
  k      predictions per succeeded image; model_version: the model that made them

Class names are not stored (the model's labels name them when read), so the size is known
from top_k alone: images_per_chunk keeps every chunk under ITEM_BUDGET before compression.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from function.jobs.outcomes import Outcome

MAX_CHUNK_IMAGES = 10
# Below DynamoDB's 400 KB, with room for the key and attribute names.
ITEM_BUDGET = 350_000
# Per image: a 1024-byte key, JSON framing and an error message of a few hundred bytes.
IMAGE_OVERHEAD = 1_600
PREDICTION_BYTES = 8  # uint32 index + float32 probability
INDEX_TYPE, PROBABILITY_TYPE = np.dtype("<u4"), np.dtype("<f4")


def images_per_chunk(top_k: int) -> int:
    """Ten images, or fewer when top_k is so large that ten would not fit one item."""
    per_image = IMAGE_OVERHEAD + PREDICTION_BYTES * top_k
    return max(1, min(MAX_CHUNK_IMAGES, ITEM_BUDGET // per_image))


@dataclass(frozen=True)
class Entry:
    index: int
    s3_key: str
    outcome: Outcome


def encode(entries: list[Entry], model_version: str) -> dict[str, Any]:
    """The item's attributes besides pk and the expiry."""
    meta = [[e.index, e.s3_key, e.outcome.error_code, e.outcome.error_message] for e in entries]
    rows = [e.outcome.predictions for e in entries if e.outcome.predictions is not None]
    k = len(rows[0]) if rows else 0
    classes = np.array([[p["index"] for p in row] for row in rows], INDEX_TYPE).reshape(-1)
    values = np.array([[p["probability"] for p in row] for row in rows], PROBABILITY_TYPE)
    top = classes.tobytes() + values.reshape(-1).tobytes()
    return {
        "n": {"N": str(len(entries))},
        "k": {"N": str(k)},
        "model_version": {"S": model_version},
        "meta": {"B": zlib.compress(json.dumps(meta, separators=(",", ":")).encode())},
        "top": {"B": zlib.compress(top)},
    }


def decode(item: dict[str, Any], labels: list[str], model_version: str) -> list[Entry]:
    """The chunk's entries, predictions named with labels.

    Class indexes from another model version (a redeploy while the job ran) would be named
    wrongly with these labels: those images read as failed with model_changed.
    """
    meta = json.loads(zlib.decompress(bytes(item["meta"]["B"])))
    k = int(item["k"]["N"])
    top = zlib.decompress(bytes(item["top"]["B"]))
    succeeded = sum(1 for entry in meta if entry[2] is None)
    classes = np.frombuffer(top, INDEX_TYPE, succeeded * k).reshape(succeeded, k)
    values = np.frombuffer(top, PROBABILITY_TYPE, succeeded * k, succeeded * k * 4)
    values = values.reshape(succeeded, k)
    same_model = item["model_version"]["S"] == model_version
    entries, row = [], 0
    for index, key, code, message in meta:
        if code is not None:
            outcome = Outcome(error_code=code, error_message=message)
        elif not same_model:
            outcome = Outcome(error_code="model_changed", error_message=_CHANGED)
        else:
            outcome = Outcome(predictions=_predictions(classes[row], values[row], labels))
        row += code is None
        entries.append(Entry(int(index), str(key), outcome))
    return entries


_CHANGED = "The model was redeployed while the job ran; submit the image again."


def _predictions(
    classes: np.ndarray, values: np.ndarray, labels: list[str]
) -> list[dict[str, Any]]:
    return [
        {"class": labels[int(c)], "index": int(c), "probability": float(p)}
        for c, p in zip(classes, values, strict=True)
    ]
