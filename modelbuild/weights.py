"""Where the model's weights come from: torchvision's ImageNet ones, a user's checkpoint, or
seeded random ones for offline tests. Returns the fp32 model with its calibration batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
import torchvision.models.quantization

from function.inference.preprocess import IMAGENET, Preprocessing
from modelbuild import calibration, checkpoint
from modelbuild.architectures import Architecture, architecture
from modelbuild.errors import ExportError

T = TypeVar("T")
OFFLINE_HINT = (
    "Without network, build with WEIGHTS=random (tests and smoke runs only, not for "
    "production) or WEIGHTS=/path/to/state_dict.pt CALIBRATION_DIR=/path/to/images."
)


def download(load: Callable[[], T]) -> T:
    try:
        return load()
    except OSError as exc:  # URLError, socket and SSL failures are all OSErrors
        raise ExportError(
            f"Could not download torchvision's ImageNet weights ({exc}). " + OFFLINE_HINT
        ) from exc


def _cached_sha256(url: str) -> str | None:
    """torchvision keeps what it downloaded in torch hub's cache; hash that file."""
    path = Path(torch.hub.get_dir()) / "checkpoints" / Path(url).name
    return checkpoint.sha256_of(path) if path.is_file() else None


def prequantized(arch: Architecture, backend: str) -> tuple[torch.nn.Module, dict[str, Any]]:
    """torchvision's own int8 ImageNet model (calibrated by torchvision with fbgemm's qconfig)."""
    assert arch.imagenet_int8 is not None
    torch.backends.quantized.engine = backend
    build = getattr(torchvision.models.quantization, arch.name)
    model = download(lambda: build(weights=arch.imagenet_int8, quantize=True))
    return model, {
        "weights": "imagenet",
        "weights_source": f"torchvision {arch.imagenet_int8.name} (int8)",
        "weights_sha256": _cached_sha256(arch.imagenet_int8.url),
        "calibration_images": None,
    }


def imagenet_float(arch: Architecture) -> torch.nn.Module:
    """The fp32 ImageNet model the int8 one was quantized from: the evaluation's reference."""
    model = arch.float_model(1000)
    assert arch.imagenet_int8 is not None
    model.load_state_dict(download(lambda: arch.imagenet_fp32.get_state_dict(progress=False)))
    return model


def reestimate_batchnorm(model: torch.nn.Module, batches: list[torch.Tensor]) -> None:
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


def float_model(
    weights: str,
    calibration_dir: Path | None,
    seed: int,
    arch: str = "resnet18",
    preprocessing: Preprocessing = IMAGENET,
    random_classes: int = 1000,
) -> tuple[torch.nn.Module, list[torch.Tensor], dict[str, Any]]:
    """The fp32 quantizable model, its calibration batches and a provenance record."""
    spec = architecture(arch)
    torch.manual_seed(seed)
    if weights == "random":
        model = spec.float_model(random_classes)
        batches = calibration.batches(calibration_dir, seed, preprocessing)
        reestimate_batchnorm(model, batches)
        source = f"random init, seed {seed}, BatchNorm re-estimated on calibration images"
        return model, batches, _provenance("random", source, None, batches)
    path = Path(weights)
    if weights != "imagenet" and not path.is_file():
        raise ExportError(
            f"WEIGHTS={weights!r} is neither 'imagenet', 'random' nor a file. Give the "
            f"path of a {arch} fp32 state_dict saved with torch.save."
        )
    if calibration_dir is None:
        raise ExportError(
            "Quantizing fp32 weights needs calibration images: set CALIBRATION_DIR to a "
            f"folder of at least {calibration.MIN_IMAGES} representative photos (a few "
            "hundred are best), for example part of the training set."
        )
    if weights == "imagenet":
        state = download(lambda: spec.imagenet_fp32.get_state_dict(progress=False))
        source = f"torchvision {spec.imagenet_fp32.name} (fp32)"
        provenance = ("imagenet", source, _cached_sha256(spec.imagenet_fp32.url))
    else:
        state = checkpoint.read_state_dict(path)
        provenance = ("path", f"state_dict {path.name}", checkpoint.sha256_of(path))
    model = spec.float_model(checkpoint.num_classes(state))
    checkpoint.load_into(model, state, arch)
    batches = calibration.batches(calibration_dir, seed, preprocessing)
    return model, batches, _provenance(*provenance, batches)


def _provenance(kind: str, source: str, sha256: str | None, batches: list[torch.Tensor]):
    images = sum(len(batch) for batch in batches)
    return {
        "weights": kind,
        "weights_source": source,
        "weights_sha256": sha256,
        "calibration_images": images,
    }
