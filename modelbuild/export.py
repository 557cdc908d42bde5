"""Build-time model export: `python -m modelbuild.export` (or `make model`).

Writes model.pt (frozen TorchScript, static int8) or, with --format onnx, model.onnx (ONNX
Runtime static int8, modelbuild.onnx_export), plus labels.json and metadata.json, whose
"format" tells the runtime which backend to load. Never imported at runtime: it needs
torchvision, which the Lambda image does not ship.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from function.inference.preprocess import IMAGENET, Preprocessing
from modelbuild import evaluate
from modelbuild.architectures import ARCHITECTURES
from modelbuild.build import FORMATS, RANDOM_WARNING, export
from modelbuild.errors import ExportError
from modelbuild.quantization import BACKENDS, default_backend, quantize, quiet_torch_deprecations
from modelbuild.weights import float_model

# The names other code and the tests import from here, the build's entry point.
__all__ = [
    "BACKENDS",
    "FORMATS",
    "RANDOM_WARNING",
    "ExportError",
    "default_backend",
    "export",
    "float_model",
    "main",
    "quantize",
    "quiet_torch_deprecations",
]


def _three_floats(text: str) -> tuple[float, float, float]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise argparse.ArgumentTypeError(f"expected three comma-separated numbers, got {text!r}")
    return values  # type: ignore[return-value]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--out", type=Path, default=Path(os.environ.get("MODEL_DIR", "model")))
    add("--weights", default=os.environ.get("WEIGHTS", "imagenet"), help="imagenet|random|PATH")
    add("--arch", choices=sorted(ARCHITECTURES), default="resnet18")
    add("--labels", type=Path, help="class names: one per line, or a JSON list")
    add("--backend", choices=BACKENDS, default=os.environ.get("QUANT_BACKEND") or default_backend())
    calibration_env = os.environ.get("CALIBRATION_DIR")
    add("--calibration-dir", type=Path, default=Path(calibration_env) if calibration_env else None)
    add("--eval-dir", type=Path, help="one folder of images per label: measure what int8 cost")
    add("--max-accuracy-drop", type=float, default=evaluate.DEFAULT_MAX_DROP, help="top-1 points")
    add("--resize", type=int, default=IMAGENET.resize, help="shorter side before the crop")
    add("--crop", type=int, default=IMAGENET.crop, help="center crop, the model's input size")
    add("--mean", type=_three_floats, default=IMAGENET.mean, help="R,G,B on the 0..1 scale")
    add("--std", type=_three_floats, default=IMAGENET.std, help="R,G,B on the 0..1 scale")
    add("--format", choices=FORMATS, default=os.environ.get("MODEL_FORMAT") or "torchscript")
    add("--seed", type=int, default=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        preprocessing = Preprocessing(args.resize, args.crop, args.mean, args.std)
    except ValueError as exc:
        print(f"error: preprocessing: {exc}", file=sys.stderr)
        return 2
    try:
        metadata = export(
            args.out,
            args.weights,
            args.backend,
            args.calibration_dir,
            args.seed,
            arch=args.arch,
            labels_path=args.labels,
            eval_dir=args.eval_dir,
            max_drop=args.max_accuracy_drop,
            preprocessing=preprocessing,
            model_format=args.format,
        )
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.out}/ ({args.format})  arch={args.arch}  classes={metadata['num_classes']}  "
        f"weights={metadata['weights']}  backend={metadata['quantization']['backend']}"
    )
    if metadata["warning"]:
        print(metadata["warning"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
