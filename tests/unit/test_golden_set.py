"""The golden set the build records (modelbuild/golden.py) and the hook reads back."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image

from function.deploy.golden_set import GoldenSetError, load_golden_set
from function.inference.preprocess import IMAGENET
from modelbuild import golden
from modelbuild.errors import ExportError

REPO = Path(__file__).resolve().parents[2]
MAX_GOLDEN_BYTES = 400_000


def entry(index: int, margin: float, int8_margin: float, drift: float, agree: bool = True):
    return {
        "expected": {"index": index, "label": f"class {index}"},
        "margin": margin,
        "int8_margin": int8_margin,
        "drift": drift,
        "agree": agree,
    }


def test_only_decisive_images_are_kept() -> None:
    assert golden.decisive(entry(1, 2.0, 1.9, 0.1))
    assert not golden.decisive(entry(1, 2.0, 1.9, 0.1, agree=False))  # int8 flipped it
    assert not golden.decisive(entry(1, 0.25, 0.2, 0.1))  # lead under 3x the drift
    assert not golden.decisive(entry(1, 2.0, 0.0, 0.0))  # an int8 tie: no lead at all
    assert golden.decisive(entry(1, 0.31, 0.305, 0.1))


def test_choose_takes_one_image_per_class_first_then_the_most_decisive() -> None:
    entries = [entry(7, 5.0, 5.0, 0.1), entry(7, 4.0, 4.0, 0.1), entry(3, 1.0, 1.0, 0.1)]
    entries += [entry(9, 0.1, 0.1, 0.1)]  # not decisive
    chosen = golden.choose(entries)
    assert [e["expected"]["index"] for e in chosen] == [7, 3, 7]
    many = [entry(n, 10.0 - n / 10, 10.0, 0.1) for n in range(20)]
    assert len(golden.choose(many)) == golden.GOLDEN_COUNT


def test_the_build_records_the_golden_set_in_the_model_directory(model_dir: Path) -> None:
    record = json.loads((model_dir / "golden.json").read_text(encoding="utf-8"))
    metadata = json.loads((model_dir / "metadata.json").read_text())
    labels = json.loads((model_dir / "labels.json").read_bytes())
    assert record["model_version"] == metadata["sha256"][:12]
    assert record["source"] == "synthetic"  # random weights, no photos given
    assert 1 <= len(record["images"]) <= golden.GOLDEN_COUNT
    files = sorted((model_dir / "golden").iterdir())
    assert [f"golden/{path.name}" for path in files] == [e["file"] for e in record["images"]]
    size = sum(path.stat().st_size for path in files) + (model_dir / "golden.json").stat().st_size
    assert size < MAX_GOLDEN_BYTES
    for image in record["images"]:
        data = (model_dir / image["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == image["sha256"]
        assert Image.open(model_dir / image["file"]).format == "JPEG"
        assert labels[image["expected"]["index"]] == image["expected"]["label"]
        assert image["fp32"][0]["index"] == image["int8"][0]["index"] == image["expected"]["index"]
        assert golden.decisive({**image, "agree": True})
    loaded = load_golden_set(model_dir)
    assert loaded.model_version == record["model_version"]
    assert [image.index for image in loaded.images] == [
        image["expected"]["index"] for image in record["images"]
    ]


class Pooled(torch.nn.Module):
    """A stand-in model: class scores from the mean colour, 4 classes."""

    def __init__(self, weights: list[list[float]]) -> None:
        super().__init__()
        self.weights = torch.tensor(weights)

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return batch.mean(dim=(2, 3)) @ self.weights.T * 20


LABELS = ["red", "green", "blue", "grey"]
COLOURS = [[1.0, -0.5, -0.5], [-0.5, 1.0, -0.5], [-0.5, -0.5, 1.0], [0.0, 0.0, 0.0]]


def record(out: Path, int8: Any, eval_dir: Path | None = None) -> dict[str, Any]:
    metadata = {"sha256": "ab" * 32}
    fp32 = Pooled(COLOURS)
    return golden.record(out, fp32, int8, LABELS, IMAGENET, metadata, (eval_dir, None, 0))


def test_evaluation_photos_are_the_candidates_and_a_rebuild_keeps_no_stale_image(
    tmp_path: Path,
) -> None:
    eval_dir = tmp_path / "eval"
    for label, colour in [("red", (220, 20, 20)), ("blue", (20, 20, 220))]:
        (eval_dir / label).mkdir(parents=True)
        Image.new("RGB", (300, 200), colour).save(eval_dir / label / "a.png")
    out = tmp_path / "model"
    (out / "golden").mkdir(parents=True)
    (out / "golden" / "99.jpg").write_bytes(b"stale")
    written = record(out, Pooled(COLOURS), eval_dir)
    assert written["source"] == "eval_dir"
    assert sorted(e["expected"]["label"] for e in written["images"]) == ["blue", "red"]
    assert sorted(path.name for path in (out / "golden").iterdir()) == ["00.jpg", "01.jpg"]
    assert max(Image.open(out / e["file"]).size[1] for e in written["images"]) == 200


def test_an_int8_model_that_disagrees_everywhere_fails_the_build(tmp_path: Path) -> None:
    shuffled = Pooled([COLOURS[1], COLOURS[2], COLOURS[0], COLOURS[3]])
    with pytest.raises(ExportError, match="No golden image"):
        record(tmp_path / "model", shuffled)


def test_a_missing_or_malformed_golden_set_is_an_error_the_hook_reports(tmp_path: Path) -> None:
    with pytest.raises(GoldenSetError, match=r"golden\.json"):
        load_golden_set(tmp_path)
    (tmp_path / "golden.json").write_text(json.dumps({"format": 1, "images": [{}]}))
    with pytest.raises(GoldenSetError):
        load_golden_set(tmp_path)


def test_the_runtime_image_carries_the_golden_set() -> None:
    """The build writes it into the model directory, which the runtime stage copies whole."""
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"modelbuild\.export --out /build/model\b", dockerfile)
    assert re.search(r"COPY --from=builder /build/model/ \$\{LAMBDA_TASK_ROOT\}/model/", dockerfile)
