"""Classifier.load follows metadata.json: the model's preprocessing, its class count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from function.inference.classifier import Classifier
from function.inference.preprocess import Preprocessing
from function.shared.errors import ModelUnavailable


class Pooled(torch.nn.Module):
    """A tiny stand-in model: one logit per class from the mean of each channel."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.head = torch.nn.Linear(3, classes)

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.head(batch.mean(dim=(2, 3)))


def write_model(root: Path, labels: list[str], **metadata_overrides) -> Path:
    torch.jit.save(torch.jit.script(Pooled(len(labels))), str(root / "model.pt"))
    (root / "labels.json").write_text(json.dumps(labels))
    metadata = {
        "architecture": "resnet18",
        "num_classes": len(labels),
        "sha256": "cd" * 32,
        "quantization": {"backend": "x86"},
        "preprocessing": {"resize": 80, "crop": 64, "mean": [0.5] * 3, "std": [0.25] * 3},
        **metadata_overrides,
    }
    (root / "metadata.json").write_text(json.dumps(metadata))
    return root


def test_the_models_preprocessing_and_classes_are_used(tmp_path) -> None:
    model = Classifier.load(write_model(tmp_path, ["cat", "dog", "eel"]))
    assert model.preprocessing == Preprocessing(80, 64, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert model.num_classes == 3
    model.warm_up()  # a 64x64 input, the model's own size
    top = model.predict(np.zeros((1, 3, 64, 64), dtype=np.float32), top_k=10)[0]
    assert sorted(p.label for p in top) == ["cat", "dog", "eel"]


def test_a_label_count_that_disagrees_with_metadata(tmp_path) -> None:
    write_model(tmp_path, ["cat", "dog", "eel"], num_classes=4)
    with pytest.raises(ModelUnavailable, match=r"3 labels, but metadata\.json says .* 4 classes"):
        Classifier.load(tmp_path)


def test_unusable_preprocessing_fails_the_load(tmp_path) -> None:
    write_model(tmp_path, ["cat", "dog"], preprocessing={"resize": 64, "crop": 80})
    with pytest.raises(ModelUnavailable, match="no usable preprocessing"):
        Classifier.load(tmp_path)
