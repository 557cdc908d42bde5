"""Golden-set candidates: the photos the build was given, or seeded synthetic scenes, each
as the JPEG bytes the pre-traffic hook will send (modelbuild/golden.py keeps the decisive ones).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from function.inference.decode import load_rgb, open_image
from function.inference.preprocess import Preprocessing, to_model_input
from modelbuild import calibration, evaluate

MAX_CANDIDATES = 64
SYNTHETIC_COUNT = 32
JPEG_QUALITY = 90
SYNTHETIC_SEED_OFFSET = 7919  # not the calibration scenes: those shaped the int8 ranges
MAX_PIXELS = 100_000_000


def candidates(
    eval_dir: Path | None, calibration_dir: Path | None, labels: list[str], seed: int
) -> tuple[str, list[Image.Image]]:
    if eval_dir is not None:
        paths = [path for path, _ in evaluate.labelled_images(eval_dir, labels)]
        return "eval_dir", [calibration.read_image(p) for p in _spread(paths)]
    if calibration_dir is not None:
        paths = calibration.image_paths(calibration_dir)
        return "calibration_dir", [calibration.read_image(p) for p in _spread(paths)]
    rng = np.random.default_rng(seed + SYNTHETIC_SEED_OFFSET)
    return "synthetic", [calibration.synthetic_scene(rng) for _ in range(SYNTHETIC_COUNT)]


def _spread(paths: list[Path]) -> list[Path]:
    """Evenly spaced, so every class folder has its chance."""
    if len(paths) <= MAX_CANDIDATES:
        return paths
    return [paths[i * len(paths) // MAX_CANDIDATES] for i in range(MAX_CANDIDATES)]


def as_jpeg(image: Image.Image, resize: int) -> bytes:
    """At most the model's resize on the shorter side: larger only adds bytes to the image."""
    image = image.convert("RGB")
    scale = resize / min(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def model_input(data: bytes, preprocessing: Preprocessing) -> np.ndarray:
    """function.inference.pipeline.prepare_image's steps, without its request bookkeeping."""
    formats = calibration.FORMATS
    image = load_rgb(open_image(data, formats, MAX_PIXELS), data, MAX_PIXELS, preprocessing.resize)
    return to_model_input(image, preprocessing)
