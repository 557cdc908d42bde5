"""Build with WEIGHTS=random, load as the runtime does, classify real photographs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch
from photos import PHOTOS, photo_bytes
from torchvision.models import ResNet18_Weights

from function.inference.classifier import Classifier
from function.inference.decode import decode_image
from function.inference.preprocess import to_model_input
from function.shared.settings import Settings

FORMATS = Settings().allowed_formats


def classify(model: Classifier, data: bytes, top_k: int = 5):
    return model.predict(to_model_input(decode_image(data, FORMATS, 40_000_000))[None], top_k)[0]


def test_artifacts_are_complete_and_honest(model_dir: Path) -> None:
    metadata = json.loads((model_dir / "metadata.json").read_text())
    digest = hashlib.sha256((model_dir / "model.pt").read_bytes()).hexdigest()
    assert metadata["sha256"] == digest
    assert metadata["weights"] == "random"
    assert metadata["production_ready"] is False
    assert metadata["quantization"]["scheme"] == "static int8 post-training"
    assert metadata["torch_version"] == torch.__version__
    labels = json.loads((model_dir / "labels.json").read_text())
    assert labels == ResNet18_Weights.IMAGENET1K_V1.meta["categories"]


def test_the_saved_model_is_quantized(model_dir: Path) -> None:
    module = torch.jit.load(str(model_dir / "model.pt"))
    kinds = {node.kind() for node in module.graph.nodes()}
    assert "quantized::conv2d_relu" in kinds or "quantized::conv2d" in kinds, kinds


def test_real_photographs_round_trip(model_dir: Path) -> None:
    model = Classifier.load(model_dir)
    results = {name: classify(model, photo_bytes(name)) for name in PHOTOS}
    top1 = {name: result[0].index for name, result in results.items()}
    assert len(set(top1.values())) >= 3, f"every photo lands on the same class: {top1}"
    for result in results.values():
        assert len(result) == 5
        assert all(0 < p.probability < 1 for p in result)
    again = classify(model, photo_bytes("chelsea"))
    assert again == results["chelsea"], "the same bytes must give the same answer"


def test_loaded_model_equals_a_fresh_load(model_dir: Path) -> None:
    """Two loads (two cold starts) give bit-identical logits: no hidden state in the file."""
    batch = np.stack([to_model_input(decode_image(photo_bytes("coffee"), FORMATS, 10**8))])
    first = Classifier.load(model_dir).backend.logits(batch)
    second = Classifier.load(model_dir).backend.logits(batch)
    assert np.array_equal(first, second)
