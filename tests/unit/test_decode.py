"""decode_image: frame 0, upright, RGB, and a typed error for each way an upload is bad."""

from __future__ import annotations

import io

import numpy as np
import pytest
from photos import encode, photo
from PIL import Image

from function.inference.decode import decode_image
from function.inference.preprocess import to_model_input
from function.shared import errors
from function.shared.settings import Settings

FORMATS = Settings().allowed_formats
MAX_PIXELS = 40_000_000


def decode(data: bytes, formats=FORMATS, max_pixels=MAX_PIXELS) -> Image.Image:
    return decode_image(data, formats, max_pixels)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF"])
def test_allowed_formats_decode_to_rgb(fmt: str) -> None:
    image = decode(encode(photo("chelsea"), fmt))
    assert image.mode == "RGB"
    assert image.size == (451, 300)


def test_lossless_decode_keeps_pixels() -> None:
    original = photo("astronaut")
    np.testing.assert_array_equal(np.asarray(decode(encode(original, "PNG"))), original)


def test_greyscale_becomes_three_equal_channels() -> None:
    pixels = np.asarray(decode(encode(photo("camera"), "PNG")))
    assert pixels.shape == (512, 512, 3)
    assert (pixels[..., 0] == pixels[..., 1]).all()
    assert (pixels[..., 1] == pixels[..., 2]).all()
    assert pixels.std() > 10  # a photograph, not a flat grey that any bug would also give


def test_transparency_is_composited_on_the_documented_background() -> None:
    clear = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    pixels = np.asarray(decode(encode(clear, "PNG")))
    assert tuple(pixels[0, 0]) == (255, 255, 255)  # white, not the black of convert("RGB")


def test_sixteen_bit_greyscale_is_rescaled_not_clipped() -> None:
    ramp = (np.arange(256, dtype=np.uint16).reshape(16, 16) * 257).astype(np.uint16)
    image = Image.fromarray(ramp)  # mode I;16
    pixels = np.asarray(decode(encode(image, "PNG")))[..., 0]
    np.testing.assert_array_equal(pixels, np.arange(256).reshape(16, 16))


# EXIF orientation -> how the stored pixels were derived from the upright picture (the
# inverse of the display transform in the EXIF 2.32 specification, section 4.6.4 A).
STORED_FROM_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # displayed after turning 90 degrees clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", sorted(STORED_FROM_UPRIGHT))
def test_exif_orientation_is_applied(orientation: int) -> None:
    upright = photo("chelsea").resize((60, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = upright.transpose(STORED_FROM_UPRIGHT[orientation])
    decoded = decode(encode(stored, "PNG", exif=exif.tobytes()))
    np.testing.assert_array_equal(np.asarray(decoded), np.asarray(upright))


def test_sixteen_bit_rgb_keeps_its_colours() -> None:
    from hostile_corpus import png_16bit_rgb

    expected = np.asarray(photo("chelsea").resize((96, 64)), dtype=np.int16)
    decoded = np.asarray(decode(png_16bit_rgb()), dtype=np.int16)
    assert np.abs(decoded - expected).max() <= 1


@pytest.mark.parametrize("fmt", ["GIF", "TIFF", "MPO", "WEBP"])
def test_multi_frame_images_give_frame_zero(fmt: str) -> None:
    first, second = photo("chelsea").resize((64, 48)), photo("coffee").resize((64, 48))
    buffer = io.BytesIO()
    options = {"lossless": True} if fmt == "WEBP" else {}
    first.save(buffer, fmt, save_all=True, append_images=[second], **options)
    decoded = np.asarray(decode(buffer.getvalue()), dtype=np.int16)
    to_first = np.abs(decoded - np.asarray(first, dtype=np.int16)).mean()
    to_second = np.abs(decoded - np.asarray(second, dtype=np.int16)).mean()
    assert to_first < to_second / 4


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", errors.EmptyBody),
        (b"definitely not an image", errors.UnsupportedImageFormat),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", errors.UnsupportedImageFormat),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', errors.UnsupportedImageFormat),
    ],
)
def test_non_images_are_refused(data: bytes, error: type[errors.ServiceError]) -> None:
    with pytest.raises(error):
        decode(data)


def test_format_outside_the_allow_list_is_refused() -> None:
    with pytest.raises(errors.UnsupportedImageFormat):
        decode(encode(photo("chelsea"), "PNG"), formats=("JPEG",))


def test_truncated_jpeg_is_reported_as_truncated() -> None:
    data = encode(photo("coffee"), "JPEG")
    with pytest.raises(errors.ImageTruncated):
        decode(data[: len(data) // 2])


def test_too_many_pixels_is_refused_before_decoding() -> None:
    data = encode(Image.new("RGB", (1000, 1000)), "PNG")
    with pytest.raises(errors.ImageTooManyPixels):
        decode(data, max_pixels=999_999)


def test_large_jpeg_decodes_at_reduced_size_close_to_full_decode() -> None:
    big = photo("retina").resize((4000, 3000), Image.Resampling.BICUBIC)
    data = encode(big, "JPEG")
    reduced = decode(data)
    assert min(reduced.size) < 3000  # the DCT-scaled draft was used
    assert min(reduced.size) >= 256  # ...but never below the resize target
    full = Image.open(io.BytesIO(data)).convert("RGB")
    difference = np.abs(to_model_input(reduced) - to_model_input(full))
    # Normalised units (1 unit ~ 58 grey levels): mean error under one grey level.
    assert difference.mean() < 0.01
    assert difference.max() < 0.5
