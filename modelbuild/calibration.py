"""Calibration images for the build-time export (never imported at runtime).

Quantization observers, and the BatchNorm re-estimation of a random model, need inputs
that look like what the service will see. A folder of photos is best; without one, a
seeded set of synthetic scenes (gradients, shapes, texture) keeps offline builds working.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from function.inference.decode import decode_image
from function.inference.preprocess import IMAGENET, Preprocessing, to_model_input
from function.shared.errors import ServiceError
from function.shared.settings import Settings
from modelbuild.errors import ExportError

BATCH_SIZE = 8
SYNTHETIC_COUNT = 32
# Fewer images than this give the activation observers too narrow a view of the data.
MIN_IMAGES = 16
# More adds build time and memory (600 kB per 224x224 input), not accuracy.
MAX_IMAGES = 512
# The formats the service accepts by default, and every file suffix Pillow knows for them
# (HEIF's plugin registers its suffixes only once loaded, so they are named here).
FORMATS: tuple[str, ...] = Settings.model_fields["allowed_formats"].default
IMAGE_SUFFIXES = {
    suffix for suffix, name in Image.registered_extensions().items() if name in FORMATS
} | ({".heic", ".heif"} if "HEIF" in FORMATS else set())


class CalibrationError(ExportError):
    pass


def image_paths(folder: Path) -> list[Path]:
    """Every image under folder, subfolders included (a training set's class folders work)."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def read_image(path: Path) -> Image.Image:
    """Decoded exactly as the service decodes uploads."""
    try:
        return decode_image(path.read_bytes(), FORMATS, 100_000_000)
    except ServiceError as exc:
        raise CalibrationError(f"{path}: {exc.message}") from None


def synthetic_scene(rng: np.random.Generator, size: tuple[int, int] = (320, 240)) -> Image.Image:
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    start, end = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    ramp = (xs * rng.uniform(-1, 1) + ys * rng.uniform(-1, 1)) / (width + height) + 0.5
    pixels = start + np.clip(ramp, 0, 1)[..., None] * (end - start)
    pixels += rng.normal(0, rng.uniform(2, 25), pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(2, 9))):
        x0, y0 = rng.uniform(-0.2, 1.0) * width, rng.uniform(-0.2, 1.0) * height
        x1, y1 = x0 + rng.uniform(0.1, 0.7) * width, y0 + rng.uniform(0.1, 0.7) * height
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x0, y0, x1, y1), fill=colour)
    return image


def _images(folder: Path | None, seed: int) -> list[Image.Image]:
    if folder is None:
        rng = np.random.default_rng(seed)
        return [synthetic_scene(rng) for _ in range(SYNTHETIC_COUNT)]
    if not folder.is_dir():
        raise CalibrationError(f"CALIBRATION_DIR {folder} is not a folder.")
    paths = image_paths(folder)
    if len(paths) < MIN_IMAGES:
        raise CalibrationError(
            f"CALIBRATION_DIR {folder} holds {len(paths)} images in a supported format "
            f"({', '.join(FORMATS)}; suffixes {', '.join(sorted(IMAGE_SUFFIXES))}); at least "
            f"{MIN_IMAGES} are needed, a few hundred representative photos are best."
        )
    if len(paths) > MAX_IMAGES:  # evenly spaced, so that every class folder is represented
        paths = [paths[i * len(paths) // MAX_IMAGES] for i in range(MAX_IMAGES)]
    return [read_image(path) for path in paths]


def batches(
    folder: Path | None, seed: int, preprocessing: Preprocessing = IMAGENET
) -> list[torch.Tensor]:
    """Preprocessed exactly as the runtime does, in batches of BATCH_SIZE."""
    arrays = [to_model_input(image, preprocessing) for image in _images(folder, seed)]
    return [
        torch.from_numpy(np.stack(arrays[i : i + BATCH_SIZE]))
        for i in range(0, len(arrays), BATCH_SIZE)
    ]
