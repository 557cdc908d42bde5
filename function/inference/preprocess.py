"""The model's preprocessing in NumPy: the runtime's copy of torchvision's transforms.

`to_model_input` reproduces torchvision's Resize(resize) -> CenterCrop(crop) -> ToTensor ->
Normalize(mean, std) on PIL images (tests/unit/test_preprocess_matches_torchvision.py proves
it), so the runtime never has to import torchvision. The sizes and constants come from the
model's metadata.json; ImageNet's are the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class Preprocessing:
    resize: int = 256
    crop: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    # Per-channel affine that maps 0..255 pixels to normalized values in one multiply-add.
    _scale: np.ndarray = field(init=False, repr=False, compare=False)
    _offset: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 16 <= self.crop <= self.resize <= 4096:
            raise ValueError(f"need 16 <= crop <= resize <= 4096, got {self.crop}, {self.resize}")
        if len(self.mean) != 3 or len(self.std) != 3 or min(self.std) <= 0:
            raise ValueError(f"need three means and three positive stds: {self.mean}, {self.std}")
        std = np.asarray(self.std, dtype=np.float32)
        object.__setattr__(self, "_scale", (1.0 / (255.0 * std)).astype(np.float32))
        object.__setattr__(self, "_offset", (np.asarray(self.mean, np.float32) / std))

    @classmethod
    def from_metadata(cls, values: dict[str, Any]) -> Preprocessing:
        """Raises ValueError (KeyError, TypeError included) on a malformed record."""
        try:
            mean, std = tuple(map(float, values["mean"])), tuple(map(float, values["std"]))
            return cls(int(values["resize"]), int(values["crop"]), mean, std)  # type: ignore[arg-type]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"malformed preprocessing record {values!r}: {exc!r}") from exc

    def as_metadata(self) -> dict[str, Any]:
        return {
            "resize": self.resize,
            "crop": self.crop,
            "interpolation": "bilinear, antialiased",
            "mean": list(self.mean),
            "std": list(self.std),
        }


IMAGENET = Preprocessing()
# ImageNet's values under their historical names, for code written before they were settings.
RESIZE_SIZE, CROP_SIZE, MEAN, STD = IMAGENET.resize, IMAGENET.crop, IMAGENET.mean, IMAGENET.std
# Beyond this many times the resize size on the resized long side (aspect ratio 16:1),
# resize only the crop window.
MAX_ASPECT_RATIO = 16


def to_model_input(image: Image.Image, preprocessing: Preprocessing = IMAGENET) -> np.ndarray:
    """Resize the shorter side (bilinear, antialiased), center-crop, normalize.

    Returns a contiguous float32 array of shape (3, crop, crop).
    """
    resize, crop = preprocessing.resize, preprocessing.crop
    width, height = image.size
    short, long = (width, height) if width <= height else (height, width)
    new_short, new_long = resize, int(resize * long / short)
    new_width, new_height = (new_short, new_long) if width <= height else (new_long, new_short)
    # Same rounding as torchvision's center_crop (Python's round-half-to-even).
    left = round((new_width - crop) / 2.0)
    top = round((new_height - crop) / 2.0)
    if new_long <= MAX_ASPECT_RATIO * resize:
        if (new_width, new_height) != image.size:
            image = image.resize((new_width, new_height), Image.Resampling.BILINEAR)
        image = image.crop((left, top, left + crop, top + crop))
    else:
        # An extreme aspect ratio (a 1x40000 strip) would make a gigapixel intermediate, so
        # resample only the crop window, given in source coordinates. Same filter, but float
        # rounding of the window moves some taps: pixels may differ from torchvision by one
        # grey level (tests/unit/test_preprocess_matches_torchvision.py measures it).
        scale_x, scale_y = width / new_width, height / new_height
        box = (left * scale_x, top * scale_y, (left + crop) * scale_x, (top + crop) * scale_y)
        image = image.resize((crop, crop), Image.Resampling.BILINEAR, box=box)
    pixels = np.asarray(image, dtype=np.float32)
    normalized = pixels * preprocessing._scale - preprocessing._offset
    return np.ascontiguousarray(normalized.transpose(2, 0, 1))
