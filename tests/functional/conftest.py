"""A custom checkpoint, trained here in seconds (tests/synthetic_classes.py), with the files a
user would bring: the state_dict, labels, calibration photos and a labelled holdout set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import synthetic_classes
import torch
from PIL import Image


@dataclass(frozen=True)
class CustomCheckpoint:
    weights: Path
    labels: Path
    calibration_dir: Path
    eval_dir: Path
    held_out: list[tuple[Image.Image, int]]
    fp32_accuracy: float
    model: torch.nn.Module

    def build_args(self, out: Path, **overrides: str) -> list[str]:
        """`python -m modelbuild.export` arguments, as `make model WEIGHTS=... LABELS=...`."""
        preprocessing = synthetic_classes.PREPROCESSING
        options = {
            "--out": str(out),
            "--weights": str(self.weights),
            "--labels": str(self.labels),
            "--calibration-dir": str(self.calibration_dir),
            "--eval-dir": str(self.eval_dir),
            "--resize": str(preprocessing.resize),
            "--crop": str(preprocessing.crop),
            "--mean": ",".join(map(str, preprocessing.mean)),
            "--std": ",".join(map(str, preprocessing.std)),
            **overrides,
        }
        return [part for option, value in options.items() if value for part in (option, value)]


@pytest.fixture(scope="session")
def custom_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> CustomCheckpoint:
    root = tmp_path_factory.mktemp("custom-checkpoint")
    training = synthetic_classes.examples(per_class=30, seed=1)
    held_out = synthetic_classes.examples(per_class=20, seed=2)
    model = synthetic_classes.train(training)
    torch.save(model.state_dict(), root / "ckpt.pt")  # a plain state_dict, as the README says
    (root / "labels.txt").write_text("\n".join(synthetic_classes.LABELS) + "\n")
    return CustomCheckpoint(
        weights=root / "ckpt.pt",
        labels=root / "labels.txt",
        calibration_dir=synthetic_classes.write_folders(root / "photos", training[:20], False),
        eval_dir=synthetic_classes.write_folders(root / "holdout", held_out, True),
        held_out=held_out,
        fp32_accuracy=synthetic_classes.accuracy(model, held_out),
        model=model,
    )
