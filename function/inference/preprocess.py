"""ImageNet preprocessing in NumPy: the runtime's copy of torchvision's transforms.

`to_model_input` reproduces torchvision's Resize(256) -> CenterCrop(224) -> ToTensor ->
Normalize on PIL images (tests/unit/test_preprocess_matches_torchvision.py proves it),
so the runtime never has to import torchvision.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

RESIZE_SIZE = 256
CROP_SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
# Beyond this many pixels on the resized long side (aspect ratio 16:1), resize only the crop.
MAX_RESIZED_SIDE = 16 * RESIZE_SIZE

_SCALE = (1.0 / (255.0 * np.asarray(STD, dtype=np.float32))).astype(np.float32)
_OFFSET = (np.asarray(MEAN, dtype=np.float32) / np.asarray(STD, dtype=np.float32)).astype(
    np.float32
)


def to_model_input(image: Image.Image) -> np.ndarray:
    """Resize the shorter side to 256 (bilinear, antialiased), center-crop 224, normalize.

    Returns a contiguous float32 array of shape (3, 224, 224).
    """
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = RESIZE_SIZE, int(RESIZE_SIZE * long / short)
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    # Same rounding as torchvision's center_crop (Python's round-half-to-even).
    left = round((new_width - CROP_SIZE) / 2.0)
    top = round((new_height - CROP_SIZE) / 2.0)
    if new_long <= MAX_RESIZED_SIDE:
        if (new_width, new_height) != image.size:
            image = image.resize((new_width, new_height), Image.Resampling.BILINEAR)
        image = image.crop((left, top, left + CROP_SIZE, top + CROP_SIZE))
    else:
        # An extreme aspect ratio (a 1x40000 strip) would make a gigapixel intermediate, so
        # resample only the crop window, given in source coordinates. Same filter, but float
        # rounding of the window moves some taps: pixels may differ from torchvision by one
        # grey level (tests/unit/test_preprocess_matches_torchvision.py measures it).
        scale_x, scale_y = width / new_width, height / new_height
        box = (
            left * scale_x,
            top * scale_y,
            (left + CROP_SIZE) * scale_x,
            (top + CROP_SIZE) * scale_y,
        )
        image = image.resize((CROP_SIZE, CROP_SIZE), Image.Resampling.BILINEAR, box=box)
    pixels = np.asarray(image, dtype=np.float32)
    return np.ascontiguousarray((pixels * _SCALE - _OFFSET).transpose(2, 0, 1))
