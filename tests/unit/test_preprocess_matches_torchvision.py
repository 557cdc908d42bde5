"""Our Pillow/NumPy preprocessing must equal torchvision's on real photographs.

Mismatched preprocessing is the first cause of wrong predictions, and the runtime cannot
import torchvision to share its code, so equality is proven here instead.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from photos import PHOTOS, photo
from PIL import Image
from torchvision import transforms

from function.inference.preprocess import IMAGENET, Preprocessing, to_model_input

# torchvision's ImageNet values, written out: taken from the module under test, a wrong value
# there would be copied into the reference too.
CROP_SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)

TORCHVISION_PIPELINE = transforms.Compose(
    [
        transforms.Resize(256),  # bilinear with antialias on PIL images, torchvision's default
        transforms.CenterCrop(CROP_SIZE),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ]
)


def assert_matches_torchvision(image: Image.Image) -> None:
    expected = TORCHVISION_PIPELINE(image).numpy()
    actual = to_model_input(image)
    assert actual.shape == (3, CROP_SIZE, CROP_SIZE)
    assert actual.dtype == np.float32
    assert actual.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_real_photographs_match(name: str) -> None:
    assert_matches_torchvision(photo(name).convert("RGB"))


@pytest.mark.parametrize(
    "size",
    [
        (256, 256),  # already the target: torchvision skips the resize, so must we
        (256, 300),
        (300, 256),
        (225, 1000),  # extreme aspect ratio: int() truncation of the long side
        (1000, 225),
        (257, 383),  # odd margins: center-crop rounding, round-half-to-even
        (100, 75),  # upscaling
        (224, 224),
    ],
)
def test_shapes_and_rounding_match(size: tuple[int, int]) -> None:
    image = photo("chelsea").resize(size, Image.Resampling.BICUBIC)
    assert_matches_torchvision(image)


@pytest.mark.parametrize("size", [(20, 1000), (1000, 20), (2, 2000)])
def test_extreme_aspect_ratios_stay_within_one_grey_level(size: tuple[int, int]) -> None:
    """Past 16:1 we resample only the crop window, so that a 1x40000 strip cannot make a
    256x10-million-pixel intermediate. That path may differ from torchvision by one grey level
    (float rounding of the window's edges moves a filter tap), never more."""
    image = photo("rocket").resize(size, Image.Resampling.BICUBIC)
    one_grey_level = 1 / 255 / min(STD) + 1e-5
    difference = np.abs(to_model_input(image) - TORCHVISION_PIPELINE(image).numpy())
    assert difference.max() <= one_grey_level


def test_a_40000_pixel_strip_is_cheap() -> None:
    """Resampling only the crop window: fast, and still the strip's colour, normalised."""
    strip = Image.new("RGB", (1, 40_000), (200, 30, 30))
    started = time.perf_counter()
    result = to_model_input(strip)
    assert time.perf_counter() - started < 0.5  # the full resize would build 256x10M pixels
    assert result.shape == (3, CROP_SIZE, CROP_SIZE)
    expected = (np.array([200, 30, 30]) / 255 - np.array(MEAN)) / np.array(STD)
    np.testing.assert_allclose(result.mean(axis=(1, 2)), expected, atol=1e-5)
    np.testing.assert_allclose(result.std(axis=(1, 2)), 0, atol=1e-5)


def test_detects_a_broken_pipeline() -> None:
    """The comparison is strict enough to catch an off-by-one crop or a wrong mean."""
    image = photo("coffee")
    expected = torch.as_tensor(TORCHVISION_PIPELINE(image)).numpy()
    shifted = to_model_input(image.crop((1, 0, image.width, image.height)))
    assert np.abs(shifted - expected).max() > 1e-2


@pytest.mark.parametrize(
    "preprocessing",
    [
        Preprocessing(resize=112, crop=96, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25)),
        Preprocessing(resize=384, crop=384, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)),
        Preprocessing(resize=160, crop=128, mean=(0.6, 0.4, 0.3), std=(0.2, 0.3, 0.1)),
    ],
    ids=["small", "no-crop-unnormalised", "uneven-constants"],
)
@pytest.mark.parametrize("name", ["chelsea", "rocket", "camera"])
def test_a_models_own_preprocessing_matches_torchvision(preprocessing, name) -> None:
    """metadata.json may record any resize, crop, mean and std; the runtime follows them."""
    pipeline = transforms.Compose(
        [
            transforms.Resize(preprocessing.resize),
            transforms.CenterCrop(preprocessing.crop),
            transforms.ToTensor(),
            transforms.Normalize(preprocessing.mean, preprocessing.std),
        ]
    )
    image = photo(name).convert("RGB")
    actual = to_model_input(image, preprocessing)
    assert actual.shape == (3, preprocessing.crop, preprocessing.crop)
    np.testing.assert_allclose(actual, pipeline(image).numpy(), rtol=0, atol=1e-5)


def test_metadata_round_trip() -> None:
    custom = Preprocessing(resize=112, crop=96, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
    assert Preprocessing.from_metadata(custom.as_metadata()) == custom
    assert Preprocessing.from_metadata(IMAGENET.as_metadata()) == IMAGENET == Preprocessing()


@pytest.mark.parametrize(
    "record",
    [
        {"resize": 256, "crop": 300, "mean": [0.5] * 3, "std": [0.2] * 3},  # crop > resize
        {"resize": 256, "crop": 8, "mean": [0.5] * 3, "std": [0.2] * 3},  # crop too small
        {"resize": 256, "crop": 224, "mean": [0.5] * 2, "std": [0.2] * 3},
        {"resize": 256, "crop": 224, "mean": [0.5] * 3, "std": [0.2, 0.0, 0.2]},
        {"resize": 256, "crop": 224, "mean": [0.5] * 3},
        {"resize": "big", "crop": 224, "mean": [0.5] * 3, "std": [0.2] * 3},
        {"resize": 256, "crop": 224, "mean": None, "std": [0.2] * 3},
    ],
)
def test_malformed_records_are_refused(record) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every kind of malformed record
        Preprocessing.from_metadata(record)
