"""HEIC/HEIF: iPhone photos decode like any other format, under the same limits."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest
from heic_samples import declared_size, encode_heic, heic_claiming, heic_photo, heic_rotated
from photos import photo
from PIL import Image

from function.inference.decode import decode_image
from function.inference.heif import HEIF, pillow_formats
from function.shared import errors
from function.shared.settings import Settings

FORMATS = Settings().allowed_formats
MAX_PIXELS = 40_000_000
# EXIF orientation 6 as a TIFF directory entry (tag 0x0112, SHORT, count 1), either byte order.
ORIENTATION_6 = (
    b"\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00",
    b"\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06",
)


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean())


def test_heif_is_allowed_by_default() -> None:
    assert HEIF in FORMATS


def test_a_heic_photo_decodes_to_its_pixels() -> None:
    image = decode_image(heic_photo(), FORMATS, MAX_PIXELS)
    assert (image.mode, image.size) == ("RGB", (450, 300))
    assert mean_difference(image, photo("chelsea").resize((450, 300))) < 4


def test_iphone_rotation_is_applied_once() -> None:
    """iPhone files store the photo sideways with an `irot` box and EXIF orientation 6. The
    HEIF spec makes `irot` authoritative; applying EXIF as well would turn it twice."""
    data = heic_rotated()
    assert any(entry in data for entry in ORIENTATION_6)
    stored_width, stored_height = declared_size(data)
    image = decode_image(data, FORMATS, MAX_PIXELS)
    assert image.size == (stored_height, stored_width)
    displayed = pillow_heif.open_heif(io.BytesIO(data)).to_pillow().convert("RGB")
    assert mean_difference(image, displayed) == 0


def test_only_the_primary_image_is_decoded() -> None:
    data = encode_heic(photo("coffee").resize((400, 400)), photo("chelsea"))
    image = decode_image(data, FORMATS, MAX_PIXELS)
    assert image.size == (400, 400)
    assert mean_difference(image, photo("coffee").resize((400, 400))) < 4


def test_pixel_limit_is_checked_from_the_header_before_decoding(monkeypatch) -> None:
    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(pillow_heif.HeifImageFile, "load", no_decoding)
    with pytest.raises(errors.ImageTooManyPixels):
        decode_image(heic_photo(), FORMATS, max_pixels=450 * 300 - 1)
    with pytest.raises(errors.ImageTooManyPixels):
        decode_image(heic_claiming(7000, 7000), FORMATS, MAX_PIXELS)


def test_a_size_beyond_libheifs_own_limit_is_too_many_pixels_too() -> None:
    with pytest.raises(errors.ImageTooManyPixels):
        decode_image(heic_claiming(65535, 65535), FORMATS, MAX_PIXELS)


def test_heif_can_be_switched_off() -> None:
    without = tuple(name for name in FORMATS if name != HEIF)
    with pytest.raises(errors.UnsupportedImageFormat):
        decode_image(heic_photo(), without, MAX_PIXELS)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (b"\x00\x00\x00\x18ftypheic", (HEIF, "JPEG", "AVIF")),  # HEVC-only brand: HEIF first
        (b"\x00\x00\x00\x18ftypmif1", ("JPEG", "AVIF", HEIF)),  # shared with AVIF: AVIF first
        (b"\x00\x00\x00\x18ftypavif", ("JPEG", "AVIF")),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", ("JPEG", "AVIF")),  # never offer an unregistered one
    ],
)
def test_pillow_is_offered_heif_only_for_heif_bytes(prefix: bytes, expected: tuple) -> None:
    assert pillow_formats(prefix, ("JPEG", "AVIF", HEIF)) == expected
