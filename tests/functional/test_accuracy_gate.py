"""The accuracy gate through `make model`'s entry point (issue 18, item 12), on real image
files: one flip on 48 images builds with a warning and records the numbers; a real drop
fails. The models are stand-ins whose answers are known image by image, so that the test
chooses exactly which images int8 gets wrong; the evaluation and the gate are the real ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from function.api.model_card import ModelCard
from function.inference.preprocess import IMAGENET
from modelbuild import build, export

LABELS = ["amber", "brick", "coral", "dune", "ember", "flint"]
PER_CLASS = 8  # 48 images, as in the issue


def red_level(label_index: int) -> int:
    return 30 + 40 * label_index


class ColourModel(torch.nn.Module):
    """Classifies a flat colour by its red level; with `flips`, an image with green in it is
    given the next class instead: the stand-in for int8 getting that image wrong."""

    def __init__(self, flips: bool) -> None:
        super().__init__()
        levels = torch.tensor([red_level(i) / 255 for i in range(len(LABELS))])
        self.centres = (levels - IMAGENET.mean[0]) / IMAGENET.std[0]
        self.flips = flips

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        red, green = batch[:, 0].mean((1, 2)), batch[:, 1].mean((1, 2))
        logits = -(red[:, None] - self.centres[None, :]).abs()
        if self.flips:
            marked = (green > 0)[:, None]
            logits = torch.where(marked, logits.roll(1, dims=1), logits)
        return logits


def holdout(root: Path, flipped_per_class: list[int]) -> Path:
    """EVAL_DIR: PER_CLASS flat-colour images per label; in class i, the first
    flipped_per_class[i] carry green, the mark ColourModel(flips=True) gets wrong."""
    for index, label in enumerate(LABELS):
        folder = root / label
        folder.mkdir(parents=True)
        for number in range(PER_CLASS):
            green = 200 if number < flipped_per_class[index] else 0
            Image.new("RGB", (64, 64), (red_level(index), green, 0)).save(folder / f"{number}.png")
    return root


@pytest.fixture
def stand_in_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """build_model answers with the stand-ins; everything after it (evaluation, gate, save,
    metadata) runs as in `make model`. The export's own arguments for this build."""
    provenance = {
        "weights": "path",
        "weights_source": "state_dict ckpt.pt",
        "weights_sha256": None,
        "calibration_images": 0,
    }

    def stand_ins(*_args: object):
        int8 = torch.jit.script(ColourModel(flips=True))
        return ColourModel(flips=False), int8, provenance, (LABELS, "labels.txt")

    monkeypatch.setattr(build, "build_model", stand_ins)
    return ["--weights", str(tmp_path / "ckpt.pt"), "--max-accuracy-drop", "2"]


def test_one_flip_in_48_images_builds_with_a_warning(stand_in_models, tmp_path, capsys):
    """fp32 100.00%, int8 97.92%: a 2.08-point drop over a limit of 2, from one image."""
    eval_dir = holdout(tmp_path / "holdout", [1, 0, 0, 0, 0, 0])
    out = tmp_path / "model"
    assert export.main([*stand_in_models, "--out", str(out), "--eval-dir", str(eval_dir)]) == 0
    printed = capsys.readouterr()
    assert "fp32 top-1 100.00%" in printed.out
    assert "int8 top-1 97.92%" in printed.out
    assert "top-1 drop 2.08 points (limit 2), 95% interval [-3.52, 7.52] points" in printed.out
    assert "McNemar exact p = 0.5 " in printed.out
    assert "WARNING" in printed.err
    assert "cannot tell it from noise" in printed.err
    evaluation = json.loads((out / "metadata.json").read_text())["evaluation"]
    assert evaluation["images"] == 48
    assert evaluation["discordant"] == {"fp32_only": 1, "int8_only": 0}
    assert evaluation["mcnemar_p"] == 0.5
    assert evaluation["top1_drop_ci95"] == [-3.52, 7.52]
    assert evaluation["gate"] == "warn"
    # /health's card is built from metadata.json with this model.
    card = ModelCard(**ModelCard.fields(json.loads((out / "metadata.json").read_text())))
    assert card.evaluation is not None
    assert card.evaluation.gate == "warn"
    assert card.evaluation.mcnemar_p == 0.5
    assert card.evaluation.top1_drop_ci95 == [-3.52, 7.52]


def test_a_real_drop_fails_the_build(stand_in_models, tmp_path, capsys):
    """Twelve of 48 images flipped, none the other way: 25 points, p = 0.5 ** 12."""
    eval_dir = holdout(tmp_path / "holdout", [2] * len(LABELS))
    out = tmp_path / "model"
    assert export.main([*stand_in_models, "--out", str(out), "--eval-dir", str(eval_dir)]) == 2
    error = capsys.readouterr().err
    assert "int8 quantization lost too much accuracy" in error
    assert "top-1 drop 25.00 points (limit 2)" in error
    assert "McNemar exact p = 0.0002441" in error
    assert not (out / "metadata.json").exists()


def test_a_drop_within_the_limit_passes_quietly(stand_in_models, tmp_path, capsys):
    eval_dir = holdout(tmp_path / "holdout", [0] * len(LABELS))
    out = tmp_path / "model"
    assert export.main([*stand_in_models, "--out", str(out), "--eval-dir", str(eval_dir)]) == 0
    assert "WARNING" not in capsys.readouterr().err
    assert json.loads((out / "metadata.json").read_text())["evaluation"]["gate"] == "pass"
