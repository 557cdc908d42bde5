"""Folders of test images, made at test time from the photos the test suite already uses."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from heic_samples import heic_photo
from photos import photo, photo_bytes
from PIL import Image

# Over 4.5 MB, the server's default MaxImageBytes: noise barely compresses.
LARGE_SIDE = 1400


def large_png() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 256, (LARGE_SIDE, LARGE_SIDE, 3), np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def mixed_folder(root: Path) -> dict[str, bytes]:
    """A JPEG, a PNG, a HEIC, one image too large for a request body, and a text file."""
    files = {
        "cat.jpg": photo_bytes("chelsea"),
        "coffee.png": photo_bytes("coffee", "PNG"),
        "phone/IMG_0001.HEIC": heic_photo(),
        "scans/large.png": large_png(),
        "notes.txt": b"a shopping list, not an image\n",
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return files


def many_jpegs(root: Path, count: int) -> list[Path]:
    """Distinct small JPEGs (each a different crop), so that no two share a cache entry."""
    base = photo("astronaut").resize((128, 128))
    paths = []
    for i in range(count):
        path = root / f"{i // 100:02d}" / f"img_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        shifted = base.rotate(i * 360 / max(count, 1))
        buffer = io.BytesIO()
        shifted.save(buffer, "JPEG", quality=80)
        path.write_bytes(buffer.getvalue())
        paths.append(path)
    return paths
