"""Model loading and prediction. No web-framework imports: any front end can reuse this."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from function.inference.model_thread import available_cpus, on_model_thread, run_on_model_thread
from function.inference.preprocess import CROP_SIZE, MEAN, RESIZE_SIZE, STD
from function.shared.errors import ModelUnavailable
from function.shared.settings import get_settings

WARM_UP_RUNS = 2


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    probability: float


class Classifier:
    def __init__(self, module: torch.jit.ScriptModule, labels: list[str], metadata: dict[str, Any]):
        self.module = module
        self.labels = labels
        self.metadata = metadata
        self.version: str = metadata["sha256"][:12]
        self.warmed_up = False

    @classmethod
    def load(cls, model_dir: Path, threads: int = 0) -> Classifier:
        files = [model_dir / name for name in ("model.pt", "labels.json", "metadata.json")]
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise ModelUnavailable(
                f"Model files missing: {', '.join(missing)}. Build them with `make model` "
                "(or `make model WEIGHTS=random` offline; random weights are not for production)."
            )
        metadata = json.loads(files[2].read_text())
        labels = json.loads(files[1].read_text())
        _check_preprocessing(metadata)
        if len(labels) != metadata["num_classes"]:
            raise ModelUnavailable(
                f"labels.json has {len(labels)} labels, but metadata.json says the model has "
                f"{metadata['num_classes']} classes."
            )
        engine = metadata["quantization"]["backend"]
        module = on_model_thread(_load_module, files[0], engine, threads or available_cpus())
        return cls(module, labels, metadata)

    def warm_up(self) -> None:
        """Run the first inferences during init, so no request pays for them.

        The first call builds the optimised graph (28 ms on the benchmark machine), the second
        still costs a little more (2.7 ms) than the steady state (1.9 ms).
        """
        if self.warmed_up:
            return
        blank = np.zeros((1, 3, CROP_SIZE, CROP_SIZE), dtype=np.float32)
        for _ in range(WARM_UP_RUNS):
            self.predict(blank, top_k=1)
        self.warmed_up = True

    def predict(self, batch: np.ndarray, top_k: int) -> list[list[Prediction]]:
        """Top-k classes for each image of a (N, 3, 224, 224) float32 batch."""
        values, indices = on_model_thread(self._ranked, batch, min(top_k, len(self.labels)))
        return [
            [
                Prediction(self.labels[index], index, probability)
                for index, probability in zip(row_index, row_value, strict=True)
            ]
            for row_value, row_index in zip(values, indices, strict=True)
        ]

    def _ranked(self, batch: np.ndarray, top_k: int) -> tuple[list[list[float]], list[list[int]]]:
        with torch.inference_mode():
            logits = self.module(torch.from_numpy(batch))
            probabilities = torch.softmax(logits.float(), dim=1)
            # A stable sort, not topk: int8 logits tie often, and ties must break the same way
            # (lowest class index first) whatever top_k is asked for.
            values, indices = torch.sort(probabilities, dim=1, descending=True, stable=True)
            return values[:, :top_k].tolist(), indices[:, :top_k].tolist()


def _load_module(path: Path, engine: str, threads: int) -> torch.jit.ScriptModule:
    torch.set_num_threads(threads)
    # TorchScript's default profiling executor spends the first call recording shapes and the
    # second optimising. For this frozen int8 graph the simple executor is better at every
    # step: first call 28 ms (not 51), steady 1.86 ms (not 2.07), on the benchmark machine.
    torch._C._jit_set_profiling_executor(False)
    # Quantized weights are re-packed for the current engine when the module loads.
    torch.backends.quantized.engine = engine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch.jit is "deprecated" in 2.14
        # torch.jit.load carries no annotations; it returns a ScriptModule.
        module: torch.jit.ScriptModule = torch.jit.load(  # type: ignore[no-untyped-call]
            str(path), map_location="cpu"
        )
    return module.eval()


def _check_preprocessing(metadata: dict[str, Any]) -> None:
    expected = {"resize": RESIZE_SIZE, "crop": CROP_SIZE, "mean": list(MEAN), "std": list(STD)}
    actual = {key: metadata["preprocessing"][key] for key in expected}
    if actual != expected:
        raise ModelUnavailable(
            f"The model was built for preprocessing {actual}, but this runtime does {expected}."
        )


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
