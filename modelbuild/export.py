"""Build-time model export: `python -m modelbuild.export` (or `make model`).

Writes model.pt (frozen TorchScript, static int8) or, with --format onnx, model.onnx (ONNX
Runtime static int8, modelbuild.onnx_export), plus labels.json and metadata.json, whose
"format" tells the runtime which backend to load. Never imported at runtime: it needs
torchvision, which the Lambda image does not ship.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
import torchvision
from torch.ao import quantization as tq
from torchvision.models import ResNet18_Weights
from torchvision.models.quantization import ResNet18_QuantizedWeights, resnet18

from function.inference.preprocess import CROP_SIZE, MEAN, RESIZE_SIZE, STD
from modelbuild import calibration

BACKENDS = ("fbgemm", "x86", "qnnpack")
FORMATS = ("torchscript", "onnx")
RANDOM_WARNING = "RANDOM WEIGHTS - NOT FOR PRODUCTION: predictions are meaningless."


class ExportError(Exception):
    """A build failure with a message meant for the person running the build."""


@contextmanager
def quiet_torch_deprecations() -> Iterator[None]:
    """torch 2.14 flags eager-mode quantization and TorchScript as deprecated. Both still work
    and are what the runtime loads without torchvision; hundreds of lines of these warnings
    would bury the build's real output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*reduce_range will be deprecated.*")
        warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
        yield


def default_backend() -> str:
    """PyTorch's "x86" engine picks FBGEMM or oneDNN kernels per operator: measured 2.6x
    faster than plain fbgemm on this project's benchmark machine (docs/BENCHMARKS.md)."""
    return "qnnpack" if platform.machine().lower() in ("arm64", "aarch64") else "x86"


def quantize(model: torch.nn.Module, backend: str, batches: list[torch.Tensor]) -> torch.nn.Module:
    """Static post-training quantization: fuse conv+bn+relu, observe activations, convert."""
    torch.backends.quantized.engine = backend
    with quiet_torch_deprecations():
        model.eval()
        model.fuse_model()
        model.qconfig = tq.get_default_qconfig(backend)
        tq.prepare(model, inplace=True)
        with torch.inference_mode():
            for batch in batches:
                model(batch)
        return tq.convert(model, inplace=True)


def _reestimate_batchnorm(model: torch.nn.Module, batches: list[torch.Tensor]) -> None:
    """Give randomly initialised BatchNorm layers real statistics.

    A freshly initialised ResNet's logits barely depend on the input, so every photo lands
    on the same class and no accuracy test can tell a broken pipeline from a working one.
    """
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.reset_running_stats()
            module.momentum = None  # a plain average over all batches
    model.train()
    with torch.no_grad():
        for batch in batches:
            model(batch)
    model.eval()


OFFLINE_HINT = (
    "Without network, build with WEIGHTS=random (tests and smoke runs only, not for "
    "production) or WEIGHTS=/path/to/resnet18_state_dict.pt CALIBRATION_DIR=/path/to/images."
)


def _download(load):
    try:
        return load()
    except OSError as exc:  # URLError, socket and SSL failures are all OSErrors
        raise ExportError(
            f"Could not download torchvision's ImageNet weights ({exc}). " + OFFLINE_HINT
        ) from exc


def float_model(weights: str, calibration_dir: Path | None, seed: int):
    """The fp32 quantizable ResNet-18, its calibration batches and a provenance record."""
    torch.manual_seed(seed)
    model = resnet18(weights=None, quantize=False).eval()
    if weights == "random":
        batches = calibration.batches(calibration_dir, seed)
        _reestimate_batchnorm(model, batches)
        source = f"random init, seed {seed}, BatchNorm re-estimated on calibration images"
        return model, batches, {"weights": "random", "weights_source": source}
    if weights == "imagenet":
        state = _download(lambda: ResNet18_Weights.IMAGENET1K_V1.get_state_dict(progress=False))
        provenance = {"weights": "imagenet", "weights_source": "IMAGENET1K_V1 (fp32)"}
    else:
        path = Path(weights)
        if not path.is_file():
            raise ExportError(
                f"WEIGHTS={weights!r} is neither 'imagenet', 'random' nor a file. "
                "Give the path of a ResNet-18 fp32 state_dict saved with torch.save."
            )
        state = torch.load(path, map_location="cpu", weights_only=True)
        provenance = {"weights": "path", "weights_source": f"state_dict {path.name}"}
    if calibration_dir is None:
        raise ExportError(
            "Quantizing fp32 weights needs calibration images: set CALIBRATION_DIR to a "
            "folder of a few dozen representative photos (JPEG or PNG)."
        )
    model.load_state_dict(state)
    return model, calibration.batches(calibration_dir, seed), provenance


def build_model(weights: str, backend: str, calibration_dir: Path | None, seed: int):
    """Return (quantized module, metadata describing where the weights came from)."""
    if weights == "imagenet" and (backend != "qnnpack" or calibration_dir is None):
        # torchvision's own int8 weights: 69.49% top-1 against 69.76% for fp32. They were
        # calibrated with fbgemm's qconfig; the x86 and qnnpack engines re-pack and run them
        # unchanged. Give CALIBRATION_DIR with qnnpack to calibrate for qnnpack instead.
        torch.backends.quantized.engine = backend
        model = _download(
            lambda: resnet18(weights=ResNet18_QuantizedWeights.IMAGENET1K_FBGEMM_V1, quantize=True)
        )
        return model, {"weights": "imagenet", "weights_source": "IMAGENET1K_FBGEMM_V1"}
    model, batches, provenance = float_model(weights, calibration_dir, seed)
    return quantize(model, backend, batches), provenance


def export(
    out_dir: Path,
    weights: str,
    backend: str,
    calibration_dir: Path | None,
    seed: int = 0,
    model_format: str = "torchscript",
):
    if model_format not in FORMATS:
        raise ExportError(f"FORMAT must be one of {', '.join(FORMATS)}, not {model_format!r}.")
    if backend not in BACKENDS:
        raise ExportError(f"QUANT_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
    if backend not in torch.backends.quantized.supported_engines:
        raise ExportError(f"This torch build has no {backend!r} quantized engine.")
    out_dir.mkdir(parents=True, exist_ok=True)
    if model_format == "onnx":
        from modelbuild import onnx_export  # needs onnx and onnxruntime, only for this format

        model_path, provenance, quantization = onnx_export.export_model(
            out_dir, weights, calibration_dir, seed
        )
    else:
        model_path, provenance = _export_torchscript(
            out_dir, weights, backend, calibration_dir, seed
        )
        quantization = {"scheme": "static int8 post-training", "backend": backend}
    labels = ResNet18_Weights.IMAGENET1K_V1.meta["categories"]
    (out_dir / "labels.json").write_text(json.dumps(labels, indent=0) + "\n")
    metadata = {
        "architecture": "resnet18",
        "format": model_format,
        **provenance,
        "production_ready": provenance["weights"] != "random",
        "warning": RANDOM_WARNING if provenance["weights"] == "random" else None,
        "quantization": quantization,
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "num_classes": len(labels),
        "preprocessing": {
            "resize": RESIZE_SIZE,
            "crop": CROP_SIZE,
            "interpolation": "bilinear, antialiased",
            "mean": list(MEAN),
            "std": list(STD),
        },
        "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
    }
    (out_dir / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def _export_torchscript(out_dir, weights, backend, calibration_dir, seed):
    with quiet_torch_deprecations():
        model, provenance = build_model(weights, backend, calibration_dir, seed)
        scripted = torch.jit.freeze(torch.jit.script(model.eval()))
    example = torch.zeros(1, 3, CROP_SIZE, CROP_SIZE)
    with torch.inference_mode():
        scripted(example)  # fail the build, not the first request, if the graph cannot run
    model_path = out_dir / "model.pt"
    torch.jit.save(scripted, str(model_path))
    (out_dir / "model.onnx").unlink(missing_ok=True)  # never leave the other format behind
    return model_path, provenance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("MODEL_DIR", "model")))
    parser.add_argument("--weights", default=os.environ.get("WEIGHTS", "imagenet"))
    parser.add_argument(
        "--backend", choices=BACKENDS, default=os.environ.get("QUANT_BACKEND") or default_backend()
    )
    calibration_env = os.environ.get("CALIBRATION_DIR")
    parser.add_argument(
        "--calibration-dir", type=Path, default=Path(calibration_env) if calibration_env else None
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--format", choices=FORMATS, default=os.environ.get("MODEL_FORMAT") or "torchscript"
    )
    args = parser.parse_args(argv)
    try:
        metadata = export(
            args.out, args.weights, args.backend, args.calibration_dir, args.seed, args.format
        )
    except (ExportError, calibration.CalibrationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    backend = metadata["quantization"]["backend"]
    print(f"wrote {args.out}/ ({args.format})  weights={metadata['weights']}  backend={backend}")
    if metadata["warning"]:
        print(metadata["warning"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
