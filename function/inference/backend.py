"""The one interface between the classifier and an inference engine, and how to pick one.

A backend turns a (N, 3, 224, 224) float32 batch into (N, classes) logits; ranking, labels
and warm-up stay in classifier.py, the same for every engine. metadata.json's "format" names
the engine; its module is imported only when chosen, so an ONNX image never imports torch.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from function.shared.errors import ModelUnavailable

# format -> (module, class, model file written by modelbuild.export)
BACKENDS = {
    "torchscript": ("function.inference.torchscript_backend", "TorchScriptBackend", "model.pt"),
    "onnx": ("function.inference.onnx_backend", "OnnxBackend", "model.onnx"),
}
# Models exported before metadata.json recorded a format are TorchScript.
DEFAULT_FORMAT = "torchscript"


class Backend(Protocol):
    format: str
    threads: int

    def logits(self, batch: np.ndarray) -> np.ndarray:
        """(N, classes) float32 logits for a (N, 3, H, W) float32 batch."""
        ...

    def set_threads(self, threads: int) -> None:
        """Use `threads` CPU threads for one inference from now on (called on the model thread)."""
        ...


def model_format(metadata: dict[str, Any]) -> str:
    name = str(metadata.get("format", DEFAULT_FORMAT))
    if name not in BACKENDS:
        raise ModelUnavailable(
            f"metadata.json names model format {name!r}; this runtime knows {', '.join(BACKENDS)}."
        )
    return name


def model_file(model_dir: Path, metadata: dict[str, Any]) -> Path:
    return model_dir / BACKENDS[model_format(metadata)][2]


def load_backend(model_dir: Path, metadata: dict[str, Any], threads: int) -> Backend:
    """Load the model in `model_dir` with the engine its metadata names. Call on the model
    thread: both engines keep per-thread worker pools (see model_thread.py)."""
    module_name, class_name, _ = BACKENDS[model_format(metadata)]
    try:
        engine = getattr(import_module(module_name), class_name)
    except ImportError as exc:  # e.g. an ONNX image given a TorchScript model
        raise ModelUnavailable(
            f"The model is in {model_format(metadata)} format, but this image lacks its "
            f"runtime ({exc.name}). Build the image with the matching MODEL_FORMAT."
        ) from exc
    backend: Backend = engine.load(model_file(model_dir, metadata), metadata, threads)
    return backend
