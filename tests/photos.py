"""Real photographs for tests, from the CC0 / public-domain samples that scikit-image ships.

They come from an installed package, so tests need no network and no binary files in git.
"""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import skimage.data
from PIL import Image

# name -> what the photograph shows
PHOTOS = {
    "chelsea": "a tabby cat",
    "astronaut": "an astronaut in a space suit",
    "coffee": "a cup of coffee on a saucer",
    "rocket": "a rocket on its launch pad",
    "camera": "a man with a camera (greyscale)",
    "hubble_deep_field": "a field of galaxies",
    "retina": "a retinal fundus photograph",
    "motorcycle_left": "a motorcycle",
}


@cache
def _pixels(name: str) -> np.ndarray:
    if name == "motorcycle_left":
        return skimage.data.stereo_motorcycle()[0]
    return getattr(skimage.data, name)()


def photo(name: str) -> Image.Image:
    """A fresh copy each call, so a test may modify it."""
    return Image.fromarray(_pixels(name)).copy()


def encode(image: Image.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        options.setdefault("quality", 90)
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo_bytes(name: str, fmt: str = "JPEG", size: tuple[int, int] | None = None) -> bytes:
    image = photo(name)
    if size is not None:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return encode(image, fmt)
