"""The golden set: a few images and the answers the build expects for them.

modelbuild/golden.py writes it beside the model (golden.json and golden/*.jpg); the
pre-traffic hook reads it from the same image, so the answers always belong to the model
being deployed. One module owns the file format, read and written through these names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GOLDEN_JSON = "golden.json"
GOLDEN_DIR = "golden"
FORMAT_VERSION = 1


class GoldenSetError(Exception):
    """The golden set is missing or malformed: the hook cannot judge, so it fails."""


@dataclass(frozen=True)
class GoldenImage:
    name: str
    data: bytes
    index: int  # the fp32 model's top-1 class index
    label: str
    margin: float  # fp32 log-probability of the top-1 over the runner-up, in nats


@dataclass(frozen=True)
class GoldenSet:
    model_version: str
    num_classes: int
    images: tuple[GoldenImage, ...]


def load_golden_set(model_dir: Path) -> GoldenSet:
    path = model_dir / GOLDEN_JSON
    try:
        record = json.loads(path.read_bytes())
        if record["format"] != FORMAT_VERSION:
            raise GoldenSetError(f"{path}: format {record['format']!r}, not {FORMAT_VERSION}")
        images = tuple(_image(model_dir, entry) for entry in record["images"])
        golden = GoldenSet(str(record["model_version"]), int(record["num_classes"]), images)
    except GoldenSetError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GoldenSetError(f"cannot read the golden set {path}: {exc!r}") from exc
    if not golden.images:
        raise GoldenSetError(f"{path} lists no images: rebuild the model with `make model`.")
    return golden


def _image(model_dir: Path, entry: dict[str, Any]) -> GoldenImage:
    expected = entry["expected"]
    file = model_dir / GOLDEN_DIR / Path(entry["file"]).name  # never outside golden/
    return GoldenImage(
        name=file.name,
        data=file.read_bytes(),
        index=int(expected["index"]),
        label=str(expected["label"]),
        margin=float(entry["margin"]),
    )
