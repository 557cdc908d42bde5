"""Image bytes to a model input: decode, then preprocess, timing each stage.

Runs on the model thread (see model_thread.py), inside function/inference/scoring.py, which
stacks the inputs of a request into one batch.
"""

from __future__ import annotations

import numpy as np

from function.inference.decode import load_rgb, open_image
from function.inference.preprocess import Preprocessing, to_model_input
from function.shared.observability import stage
from function.shared.request_state import RequestDetails
from function.shared.settings import Settings


def prepare_image(
    data: bytes, preprocessing: Preprocessing, settings: Settings, details: RequestDetails
) -> np.ndarray:
    """Decode and preprocess one image into a (3, crop, crop) array, timing both steps."""
    with stage(details, "decode"):
        image = open_image(data, settings.allowed_formats, settings.max_image_pixels)
        # The uploaded size, before any reduced-scale decoding or EXIF rotation.
        details["image_format"] = image.format
        details["image_width"], details["image_height"] = image.width, image.height
        details["image_megapixels"] = round(image.width * image.height / 1e6, 3)
        image = load_rgb(image, data, settings.max_image_pixels, preprocessing.resize)
    with stage(details, "preprocess"):
        return to_model_input(image, preprocessing)
