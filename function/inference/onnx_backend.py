"""ONNX Runtime int8 inference (MODEL_FORMAT=onnx): no torch anywhere in the process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime


class OnnxBackend:
    format = "onnx"

    def __init__(self, path: Path, threads: int) -> None:
        self.path = path
        self.threads = threads
        self.session = _session(path, threads)
        self.input_name = self.session.get_inputs()[0].name

    @classmethod
    def load(cls, path: Path, metadata: dict[str, Any], threads: int) -> OnnxBackend:
        return cls(path, threads)

    def logits(self, batch: np.ndarray) -> np.ndarray:
        logits: np.ndarray = self.session.run(None, {self.input_name: batch})[0]
        return logits

    def set_threads(self, threads: int) -> None:
        """A session's thread pool is fixed when it is created, so a different count means a
        new session (about as long as the first load); the same count costs nothing."""
        if threads != self.threads:
            self.session = _session(self.path, threads)
            self.threads = threads


def _session(path: Path, threads: int) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    # The torch backend's thread model: every call comes from the one model thread, and one
    # image's operators run one after another, each spread over `threads` CPUs.
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
