"""The export itself: weights in; an int8 model (TorchScript or ONNX), labels, metadata out."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torchvision

from function.inference.preprocess import IMAGENET, Preprocessing
from modelbuild import accuracy_gate, evaluate, golden, weights
from modelbuild.architectures import architecture, imagenet_labels
from modelbuild.errors import ExportError
from modelbuild.labels import read_labels
from modelbuild.quantization import BACKENDS, quantize, quiet_torch_deprecations

RANDOM_WARNING = "RANDOM WEIGHTS - NOT FOR PRODUCTION: predictions are meaningless."
FORMATS = ("torchscript", "onnx")
TORCHSCRIPT_QUANTIZATION = {"scheme": "static int8 post-training"}


def build_model(arch: str, source: str, backend: str, options: dict[str, Any], inputs: Inputs):
    """(fp32 model, int8 model, provenance, labels). The fp32 one evaluates and answers the
    golden set (modelbuild/golden.py), as the reference the int8 one was made from."""
    spec = architecture(arch)
    if options["model_format"] == "onnx":
        return _build_onnx(arch, source, options, inputs)
    if (
        source == "imagenet"
        and spec.imagenet_int8
        and (backend != "qnnpack" or not options["calibration_dir"])
    ):
        # torchvision's own int8 weights (ResNet-18: 69.49% top-1 against 69.76% for fp32),
        # calibrated with fbgemm's qconfig; the x86 and qnnpack engines re-pack and run them
        # unchanged. Give CALIBRATION_DIR with qnnpack to calibrate for qnnpack instead.
        labels = inputs.check(1000)
        int8, provenance = weights.prequantized(spec, backend)
        return weights.imagenet_float(spec), int8, provenance, labels
    fp32, batches, provenance = weights.float_model(source, arch=arch, **_float_options(options))
    labels = inputs.check(fp32.fc.out_features)  # before the slow part, calibration
    int8 = quantize(copy.deepcopy(fp32), backend, batches)
    scripted = torch.jit.freeze(torch.jit.script(int8.eval()))
    return fp32, scripted, provenance, labels


def _build_onnx(arch: str, source: str, options: dict[str, Any], inputs: Inputs):
    """ONNX Runtime quantizes the fp32 weights itself: torchvision's int8 model has no ONNX
    counterpart, and synthetic scenes are no calibration for real photos."""
    from modelbuild import onnx_export  # needs onnx and onnxruntime, only for this format

    if source == "imagenet" and not options["calibration_dir"]:
        raise ExportError(
            "FORMAT=onnx quantizes ImageNet's fp32 weights itself: set CALIBRATION_DIR to a "
            "folder of representative photos."
        )
    fp32, batches, provenance = weights.float_model(source, arch=arch, **_float_options(options))
    labels = inputs.check(fp32.fc.out_features)
    int8 = onnx_export.OnnxInt8(fp32, batches, options["preprocessing"].crop)
    return fp32, int8, provenance, labels


def _float_options(options: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in options.items() if key != "model_format"}


@dataclass(frozen=True)
class Inputs:
    """The user's LABELS and EVAL_DIR, checked as soon as the class count is known."""

    labels_path: Path | None
    eval_dir: Path | None

    def check(self, num_classes: int) -> tuple[list[str], str]:
        """(labels, where they came from)."""
        if self.labels_path is not None:
            labels, source = read_labels(self.labels_path, num_classes), self.labels_path.name
        elif num_classes == 1000:
            labels, source = imagenet_labels(), "imagenet"
        else:
            raise ExportError(
                f"The checkpoint has {num_classes} classes: name them with LABELS=labels.txt "
                "(one per line, in class-index order) or a JSON list of strings."
            )
        if self.eval_dir is not None:
            evaluate.labelled_images(self.eval_dir, labels)
        return labels, source


def export(
    out_dir: Path,
    weights_source: str,
    backend: str,
    calibration_dir: Path | None,
    seed: int = 0,
    *,
    arch: str = "resnet18",
    labels_path: Path | None = None,
    eval_dir: Path | None = None,
    max_drop: float = evaluate.DEFAULT_MAX_DROP,
    preprocessing: Preprocessing = IMAGENET,
    model_format: str = "torchscript",
) -> dict[str, Any]:
    if model_format not in FORMATS:
        raise ExportError(f"FORMAT must be one of {', '.join(FORMATS)}, not {model_format!r}.")
    if backend not in BACKENDS:
        raise ExportError(f"QUANT_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    if backend not in torch.backends.quantized.supported_engines:
        raise ExportError(f"This torch build has no {backend!r} quantized engine.")
    random_classes = 1000
    if weights_source == "random" and labels_path is not None:
        random_classes = len(read_labels(labels_path, None))
    options = {
        "calibration_dir": calibration_dir,
        "seed": seed,
        "preprocessing": preprocessing,
        "random_classes": random_classes,
        "model_format": model_format,
    }
    inputs = Inputs(labels_path, eval_dir)
    with quiet_torch_deprecations():
        fp32, int8, provenance, (labels, labels_source) = build_model(
            arch, weights_source, backend, options, inputs
        )
    example = torch.zeros(1, 3, preprocessing.crop, preprocessing.crop)
    with torch.inference_mode():
        int8(example)  # fail the build, not the first request, if the graph cannot run
    evaluation = None
    if eval_dir is not None:
        measured = evaluate.evaluate(fp32, int8, eval_dir, labels, preprocessing, max_drop)
        evaluation = accuracy_gate.judge(measured)
        print(accuracy_gate.summary(evaluation))
        if (warning := accuracy_gate.warning(evaluation)) is not None:
            print(warning, file=sys.stderr)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path, quantization = _save(int8, out_dir, model_format, backend)
    labels_json = json.dumps(labels, indent=0, ensure_ascii=False) + "\n"
    (out_dir / "labels.json").write_text(labels_json, encoding="utf-8")
    metadata = {
        "architecture": arch,
        "num_classes": len(labels),
        "labels_source": labels_source,
        **provenance,
        "production_ready": provenance["weights"] != "random",
        "warning": RANDOM_WARNING if provenance["weights"] == "random" else None,
        "format": model_format,
        "quantization": quantization,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "preprocessing": preprocessing.as_metadata(),
        "evaluation": evaluation,
        "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
    }
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    sources = (eval_dir, calibration_dir, seed)
    golden.record(out_dir, fp32, int8, labels, preprocessing, metadata, sources)
    return metadata


def _save(int8: Any, out_dir: Path, model_format: str, backend: str) -> tuple[Path, dict[str, Any]]:
    """Write the model file, removing the other format's, so the runtime never loads a stale one."""
    (out_dir / "model.onnx").unlink(missing_ok=True)
    (out_dir / "model.pt").unlink(missing_ok=True)
    if model_format == "onnx":
        path = out_dir / "model.onnx"
        path.write_bytes(int8.model_bytes)
        return path, int8.quantization
    path = out_dir / "model.pt"
    with quiet_torch_deprecations():
        torch.jit.save(int8, str(path))
    return path, {**TORCHSCRIPT_QUANTIZATION, "backend": backend}
