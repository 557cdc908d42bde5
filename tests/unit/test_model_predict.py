"""Classifier.predict on a tiny TorchScript module with known logits, and the ranking."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from function.inference.classifier import WARM_UP_RUNS, Classifier, ranked, softmax
from function.inference.torchscript_backend import TorchScriptBackend


class FixedLogits(torch.nn.Module):
    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__()
        self.logits = logits

    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(batch.shape[0], -1) + batch.mean() * 0


@pytest.fixture
def classifier() -> Classifier:
    logits = torch.linspace(-3, 3, 1000)
    logits[281] = 10.0
    module = torch.jit.script(FixedLogits(logits))
    metadata = {"sha256": "ab" * 32, "architecture": "test"}
    return Classifier(TorchScriptBackend(module, 1), [f"class {i}" for i in range(1000)], metadata)


def test_top_k_is_sorted_softmax_over_all_classes(classifier: Classifier) -> None:
    batch = np.zeros((2, 3, 224, 224), dtype=np.float32)
    results = classifier.predict(batch, top_k=5)
    assert len(results) == 2
    top = results[0]
    assert [p.index for p in top] == [281, 999, 998, 997, 996]
    assert top[0].label == "class 281"
    expected = torch.softmax(classifier.backend.module.logits, 0)
    assert top[0].probability == pytest.approx(float(expected[281]), rel=1e-6)
    probabilities = [p.probability for p in top]
    assert probabilities == sorted(probabilities, reverse=True)


def test_top_k_is_clamped_to_the_number_of_classes(classifier: Classifier) -> None:
    batch = np.zeros((1, 3, 224, 224), dtype=np.float32)
    everything = classifier.predict(batch, top_k=5000)[0]
    assert len(everything) == 1000
    assert sum(p.probability for p in everything) == pytest.approx(1.0, abs=1e-5)


def test_version_is_the_sha256_prefix(classifier: Classifier) -> None:
    assert classifier.version == "ab" * 6


def test_warm_up_marks_the_model_ready(classifier: Classifier) -> None:
    assert not classifier.warmed_up
    classifier.warm_up()
    assert classifier.warmed_up


def test_ties_break_by_class_index_whatever_top_k() -> None:
    module = torch.jit.script(FixedLogits(torch.zeros(1000)))
    tied = Classifier(
        TorchScriptBackend(module, 1), [str(i) for i in range(1000)], {"sha256": "0" * 64}
    )
    batch = np.zeros((1, 3, 224, 224), dtype=np.float32)
    assert [p.index for p in tied.predict(batch, top_k=3)[0]] == [0, 1, 2]
    assert [p.index for p in tied.predict(batch, top_k=5)[0]][:3] == [0, 1, 2]


def test_warm_up_runs_once_however_often_it_is_called(classifier: Classifier) -> None:
    calls = []
    original = classifier.predict
    classifier.predict = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    classifier.warm_up()
    classifier.warm_up()
    assert len(calls) == WARM_UP_RUNS


def test_ranking_is_softmax_over_each_row_independently() -> None:
    logits = np.array([[0.0, 2.0, 1.0], [5.0, 5.0, -1.0]], dtype=np.float32)
    values, indices = ranked(softmax(logits), top_k=2)
    assert indices == [[1, 2], [0, 1]]
    first = np.exp([2.0, 1.0]) / np.exp([0.0, 2.0, 1.0]).sum()
    assert values[0] == pytest.approx(first.tolist(), rel=1e-6)
    assert values[1] == pytest.approx([0.5 - 1e-3, 0.5 - 1e-3], abs=2e-3)


def test_ranking_survives_huge_logits() -> None:
    values, indices = ranked(softmax(np.array([[1e4, 0.0, -1e4]], dtype=np.float32)), top_k=3)
    assert indices == [[0, 1, 2]]
    assert values[0][0] == pytest.approx(1.0)


def test_probabilities_ranked_equal_predict(model_dir) -> None:
    """The cached path (probabilities, then rank) answers exactly as predict() does."""
    from function.inference.scoring import rank

    model = Classifier.load(model_dir)
    batch = np.random.default_rng(3).standard_normal((3, 3, 224, 224)).astype(np.float32)
    for row, predicted in zip(model.probabilities(batch), model.predict(batch, 1000), strict=True):
        assert rank(row, model.labels, 1000) == predicted
