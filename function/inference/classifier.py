"""Model loading and prediction. No web-framework imports: any front end can reuse this.

The inference engine (TorchScript or ONNX Runtime) sits behind function.inference.backend;
nothing here or above knows which one runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from function.inference.backend import Backend, load_backend, model_file
from function.inference.model_thread import available_cpus, on_model_thread, run_on_model_thread
from function.inference.preprocess import IMAGENET, Preprocessing
from function.shared.errors import ModelUnavailable
from function.shared.settings import get_settings

WARM_UP_RUNS = 2


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    probability: float


class Classifier:
    def __init__(
        self,
        backend: Backend,
        labels: list[str],
        metadata: dict[str, Any],
        preprocessing: Preprocessing = IMAGENET,
    ):
        self.backend = backend
        self.labels = labels
        self.metadata = metadata
        self.preprocessing = preprocessing
        self.version: str = metadata["sha256"][:12]
        self.warmed_up = False

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    @classmethod
    def load(cls, model_dir: Path, threads: int = 0) -> Classifier:
        metadata_path, labels_path = model_dir / "metadata.json", model_dir / "labels.json"
        files = [labels_path, metadata_path]
        if metadata_path.is_file():
            metadata = json.loads(metadata_path.read_text())
            files.append(model_file(model_dir, metadata))
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise ModelUnavailable(
                f"Model files missing: {', '.join(missing)}. Build them with `make model` "
                "(or `make model WEIGHTS=random` offline; random weights are not for production)."
            )
        labels = json.loads(labels_path.read_bytes())  # UTF-8, whatever the locale
        preprocessing = _preprocessing(metadata)
        if len(labels) != metadata["num_classes"]:
            raise ModelUnavailable(
                f"labels.json has {len(labels)} labels, but metadata.json says the model has "
                f"{metadata['num_classes']} classes: rebuild the model with `make model`."
            )
        backend = on_model_thread(load_backend, model_dir, metadata, threads or available_cpus())
        return cls(backend, labels, metadata, preprocessing)

    def warm_up(self) -> None:
        """Run the first inferences during init, so no request pays for them.

        The first call builds the optimised graph (28 ms on the benchmark machine), the second
        still costs a little more (2.7 ms) than the steady state (1.9 ms).
        """
        if self.warmed_up:
            return
        crop = self.preprocessing.crop
        blank = np.zeros((1, 3, crop, crop), dtype=np.float32)
        for _ in range(WARM_UP_RUNS):
            self.predict(blank, top_k=1)
        self.warmed_up = True

    def set_threads(self, threads: int) -> None:
        """Give inference `threads` CPUs (SnapStart: a restored environment may differ)."""
        on_model_thread(self.backend.set_threads, threads)

    def predict(self, batch: np.ndarray, top_k: int) -> list[list[Prediction]]:
        """Top-k classes for each image of a (N, 3, crop, crop) float32 batch."""
        values, indices = ranked(self.probabilities(batch), min(top_k, len(self.labels)))
        return [
            [
                Prediction(self.labels[index], index, probability)
                for index, probability in zip(row_index, row_value, strict=True)
            ]
            for row_value, row_index in zip(values, indices, strict=True)
        ]

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """The softmax over every class for each image of a (N, 3, crop, crop) batch: (N, C).

        The whole vector, not a top-k, is what the content cache keeps (function/cache/).
        """
        return softmax(on_model_thread(self.backend.logits, batch))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits.astype(np.float32) - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


def ranked(probabilities: np.ndarray, top_k: int) -> tuple[list[list[float]], list[list[int]]]:
    """Probabilities and class indices of the top_k classes of each row, best first."""
    # A stable sort, not argpartition: int8 logits tie often, and ties must break the same
    # way (lowest class index first) whatever top_k is asked for.
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top_k]
    return np.take_along_axis(probabilities, order, axis=1).tolist(), order.tolist()


def _preprocessing(metadata: dict[str, Any]) -> Preprocessing:
    """The resize, crop, mean and std the model was trained with, as the build recorded them."""
    try:
        return Preprocessing.from_metadata(metadata["preprocessing"])
    except (KeyError, ValueError) as exc:
        raise ModelUnavailable(f"metadata.json has no usable preprocessing: {exc}") from exc


@lru_cache(maxsize=1)
def _load_once() -> Classifier | ModelUnavailable:
    """The model, or why it could not load. Cached either way: a failed load is slow (it
    reads and unpacks the model file) and would fail the same way on every request.
    Runs on the model thread, which serialises concurrent first calls."""
    settings = get_settings()
    try:
        return Classifier.load(settings.model_dir, settings.torch_threads)
    except ModelUnavailable as exc:
        return exc
    except Exception as exc:  # a corrupt or incompatible model file: torch's own errors
        return ModelUnavailable(f"The model could not be loaded: {type(exc).__name__}: {exc}")


def _loaded(outcome: Classifier | ModelUnavailable) -> Classifier:
    if isinstance(outcome, ModelUnavailable):
        raise ModelUnavailable(outcome.message)
    return outcome


class _ClassifierGetter:
    """`get_classifier()`: the process-wide model, loaded once (in Lambda's init phase, by
    function.handler). Blocks while it loads; the API awaits `without_blocking()` instead."""

    def __call__(self) -> Classifier:
        return _loaded(on_model_thread(_load_once))

    async def without_blocking(self) -> Classifier:
        """The model, loading it on the model thread if need be: the event loop never waits."""
        if _load_once.cache_info().currsize:
            return _loaded(_load_once())
        return _loaded(await run_on_model_thread(_load_once))

    def cache_clear(self) -> None:
        """Forget the model (or the failure), so the next call loads again; for tests."""
        _load_once.cache_clear()


get_classifier = _ClassifierGetter()
