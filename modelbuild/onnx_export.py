"""Build-time ONNX export: fp32 weights to a static int8 ONNX model (MODEL_FORMAT=onnx).

The fp32 network is exported with torch's ONNX exporter, then quantized by ONNX Runtime's
own tools: QDQ format, int8 weights per output channel, uint8 activations whose ranges come
from calibration batches preprocessed exactly as the runtime does (modelbuild.calibration).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

INPUT_NAME = "input"
OUTPUT_NAME = "logits"
# The exporter's TorchScript-based path (dynamo=False) handles this plain CNN in a second;
# opset 17 is what ONNX Runtime's quantizer and every current runtime support.
OPSET = 17


class _Batches:
    """onnxruntime.quantization's CalibrationDataReader protocol over our batches."""

    def __init__(self, batches: list[torch.Tensor]) -> None:
        self._items = iter([{INPUT_NAME: batch.numpy()} for batch in batches])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._items, None)

    def rewind(self) -> None:  # part of the reader protocol; one pass is all we need
        pass


def export_fp32(model: torch.nn.Module, path: Path, crop: int = 224) -> None:
    torch.onnx.export(
        model.eval(),
        (torch.zeros(1, 3, crop, crop),),
        str(path),
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )


def quantize_int8(fp32_path: Path, out_path: Path, batches: list[torch.Tensor]) -> None:
    from onnxruntime.quantization import QuantFormat, QuantType, quant_pre_process, quantize_static

    with tempfile.TemporaryDirectory() as scratch:
        # Shape inference and graph folding first, as ONNX Runtime's docs advise: the
        # quantizer then sees Conv+BatchNorm folded, as the TorchScript build fuses them.
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared))
        quantize_static(
            str(prepared),
            str(out_path),
            _Batches(batches),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )


class OnnxInt8:
    """The int8 QDQ model of fp32 `model`, runnable like a torch module (for the build's
    smoke run and accuracy evaluation) and serialisable with `model_bytes`."""

    def __init__(self, model: torch.nn.Module, batches: list[torch.Tensor], crop: int) -> None:
        import onnxruntime

        with tempfile.TemporaryDirectory() as scratch:
            fp32_path, int8_path = Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx"
            export_fp32(model, fp32_path, crop)
            quantize_int8(fp32_path, int8_path, batches)
            self.model_bytes = int8_path.read_bytes()
        self._session = onnxruntime.InferenceSession(
            self.model_bytes, providers=["CPUExecutionProvider"]
        )
        self.quantization = {
            "scheme": "static int8 post-training, QDQ, per-channel weights",
            "backend": "onnxruntime",
            "onnxruntime_version": onnxruntime.__version__,
            "opset": OPSET,
        }

    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        (logits,) = self._session.run([OUTPUT_NAME], {INPUT_NAME: batch.numpy()})
        return torch.from_numpy(logits)
