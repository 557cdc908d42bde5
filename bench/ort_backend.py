"""ONNX Runtime stand-ins for the benchmark only, until the ONNX backend has its own issue.

- `export_onnx_models` writes fp32 and int8 (static, QDQ, per-channel, calibrated with
  onnxruntime's quantizer on the same calibration images as the TorchScript model) ONNX files
  from the same fp32 weights as the int8 TorchScript model.
- `install_as_function_model` puts an ONNX Runtime classifier in place of
  `function.inference.classifier`, so the real app, handler and preprocessing serve it
  without importing torch.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np


def export_onnx_models(out_dir: Path, fp32_model, calibration_batches) -> dict[str, Path]:
    """Build-time: needs torch, onnx and onnxruntime's quantization tools."""
    import torch
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    class Batches(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter([{"input": b.numpy()} for b in calibration_batches])

        def get_next(self):
            return next(self.items, None)

    out_dir.mkdir(parents=True, exist_ok=True)
    fp32_path, prepared, int8_path = (out_dir / n for n in ("fp32.onnx", "pre.onnx", "int8.onnx"))
    torch.onnx.export(
        fp32_model.eval(),
        (torch.zeros(1, 3, 224, 224),),
        str(fp32_path),
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        dynamo=False,
    )
    quant_pre_process(str(fp32_path), str(prepared))
    quantize_static(
        str(prepared),
        str(int8_path),
        Batches(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
    )
    return {"fp32": fp32_path, "int8": int8_path}


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    probability: float


class OrtClassifier:
    def __init__(self, path: Path, labels: list[str], threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.labels = labels
        self.metadata: dict[str, Any] = {"architecture": "resnet18", "sha256": "0" * 64}
        self.version = "onnxruntime"
        self.warmed_up = False

    def logits(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input": batch})[0]

    def warm_up(self) -> None:
        if not self.warmed_up:
            for _ in range(3):
                self.logits(np.zeros((1, 3, 224, 224), dtype=np.float32))
            self.warmed_up = True

    def predict(self, batch: np.ndarray, top_k: int) -> list[list[Prediction]]:
        logits = self.logits(batch).astype(np.float64)
        exp = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities = exp / exp.sum(axis=1, keepdims=True)
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top_k]
        return [
            [Prediction(self.labels[i], int(i), float(row[i])) for i in indices]
            for row, indices in zip(probabilities, order, strict=True)
        ]


def install_as_function_model() -> None:
    """Serve BENCH_ONNX_MODEL through the unchanged app, in place of the torch classifier."""
    labels = json.loads(Path(os.environ["BENCH_LABELS"]).read_text())
    shim = types.ModuleType("function.inference.classifier")

    @lru_cache(maxsize=1)
    def get_classifier() -> OrtClassifier:
        threads = len(os.sched_getaffinity(0))
        return OrtClassifier(Path(os.environ["BENCH_ONNX_MODEL"]), labels, threads)

    async def without_blocking() -> OrtClassifier:  # what function.api.dependencies awaits
        return get_classifier()

    get_classifier.without_blocking = without_blocking
    shim.Classifier = OrtClassifier
    shim.Prediction = Prediction
    shim.get_classifier = get_classifier
    model_thread = ThreadPoolExecutor(max_workers=1)

    async def run_on_model_thread(function, *args):
        return await asyncio.wrap_future(model_thread.submit(function, *args))

    shim.run_on_model_thread = run_on_model_thread
    sys.modules["function.inference.classifier"] = shim
