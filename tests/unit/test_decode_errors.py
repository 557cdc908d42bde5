"""decode_image's typed errors and unusual pixel modes, each with its exact meaning."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from photos import encode, photo
from PIL import Image

from function.inference.decode import _riff_truncated, decode_image
from function.shared import errors

FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "AVIF")
PNG = encode(photo("chelsea"), "PNG")
WEBP = encode(photo("chelsea"), "WEBP")


def decode(data: bytes) -> Image.Image:
    return decode_image(data, FORMATS, 40_000_000)


def test_a_header_cut_short_is_truncated_and_names_the_format() -> None:
    with pytest.raises(errors.ImageTruncated) as raised:
        decode(PNG[:40])
    assert raised.value.message == "The PNG file ends inside its header."
    with pytest.raises(errors.ImageTruncated):
        decode(PNG[:63])


def test_a_corrupt_header_is_a_decode_error_that_names_the_format() -> None:
    with pytest.raises(errors.ImageDecodeError) as raised:
        decode(PNG[:16] + bytes(48))  # exactly 64 bytes: long enough to be corrupt, not short
    assert raised.value.message == "The file starts like PNG but its header is corrupt."


def test_bytes_of_no_known_format_list_the_accepted_formats() -> None:
    with pytest.raises(errors.UnsupportedImageFormat) as raised:
        decode(b"hello, world" * 10)
    assert raised.value.message == (
        "The bytes are not an image in a supported format (JPEG, PNG, WEBP, GIF, BMP, TIFF, AVIF)."
    )


@pytest.mark.parametrize(
    ("data", "truncated"),
    [
        (WEBP, False),
        (WEBP[:-1], True),
        (WEBP + b"\0", False),
        (b"RIFF" + struct.pack("<I", 4) + b"WEBP", False),  # declares exactly what follows
        (b"RIFF" + struct.pack("<I", 5) + b"WEBP", True),
        (b"RIFF" + struct.pack("<I", 0x8000_0000), True),  # unsigned: a huge declared length
        (b"RIFX" + struct.pack("<I", 100), False),
        (b"RIFF\x00\x00\x00", False),  # too short to hold a length
        (b"RIFF" + struct.pack("<I", 0) + b"rest", False),
    ],
)
def test_riff_length_check(data: bytes, truncated: bool) -> None:
    assert _riff_truncated(data) is truncated


def test_a_cut_off_webp_is_truncated() -> None:
    with pytest.raises(errors.ImageTruncated):
        decode(WEBP[: len(WEBP) // 2])


def test_corrupt_pixel_data_is_a_decode_error_with_the_reason() -> None:
    broken = bytearray(PNG)
    broken[100:140] = bytes(40)  # zeroed compressed data inside the first IDAT chunk
    with pytest.raises((errors.ImageDecodeError, errors.ImageTruncated)) as raised:
        decode(bytes(broken))
    if isinstance(raised.value, errors.ImageDecodeError):
        assert raised.value.message.startswith("The image could not be decoded: ")


def tiff_of(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "TIFF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "array",
    [
        np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16),  # float in 0..1
        np.linspace(0, 255, 256, dtype=np.float32).reshape(16, 16),  # float in 0..255
        (np.arange(256, dtype=np.int32) * 257).reshape(16, 16),  # 32-bit integer
    ],
)
def test_float_and_wide_integer_greyscale_become_a_full_grey_ramp(array: np.ndarray) -> None:
    pixels = np.asarray(decode(tiff_of(array)))
    assert pixels.shape == (16, 16, 3)
    assert (pixels[..., 0] == pixels[..., 1]).all()
    assert (pixels[..., 1] == pixels[..., 2]).all()
    np.testing.assert_array_equal(pixels[..., 0].ravel(), np.arange(256))


def test_float_values_out_of_range_and_nan_are_clipped() -> None:
    array = np.array([[-5.0, np.nan, 300.0, 127.0]], dtype=np.float32)
    pixels = np.asarray(decode(tiff_of(array)))[..., 0].ravel()
    assert pixels.tolist() == [0, 0, 255, 127]


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_every_transparent_mode_is_composited_on_white(mode: str) -> None:
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    image.paste((10, 200, 30, 255), (0, 0, 4, 8))
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":  # palette with one transparent index, declared in image.info
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
        image.info["transparency"] = image.getpixel((7, 7))
    pixels = np.asarray(decode(encode(image, "PNG")))
    assert tuple(pixels[0, 7]) == (255, 255, 255)
    assert tuple(pixels[0, 0]) != (255, 255, 255)


def test_service_error_messages() -> None:
    assert errors.ImageTruncated().message == "The image data ends early; the file is truncated."
    assert str(errors.ImageTruncated()) == "The image data ends early; the file is truncated."
    custom = errors.ImageDecodeError("specific reason")
    assert (custom.message, str(custom)) == ("specific reason", "specific reason")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_decompression_bomb_header_names_the_limit() -> None:
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0)  # 400 megapixels
    bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IEND", b"")
    with pytest.raises(errors.ImageTooManyPixels) as raised:
        decode(bomb)
    assert raised.value.message == "The image claims more than the limit of 40,000,000 pixels."


def test_an_unparseable_header_says_why() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(buffer, "BMP")
    bmp = bytearray(buffer.getvalue())
    bmp[30:34] = struct.pack("<I", 9)  # a compression method BMP does not have
    with pytest.raises(errors.ImageDecodeError) as raised:
        decode(bytes(bmp))
    assert raised.value.message == (
        "The image header could not be parsed: Unsupported BMP compression (9)"
    )


def test_undecodable_pixels_say_why() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (1, 2, 3)).save(buffer, "TIFF", compression="tiff_lzw")
    tiff = bytearray(buffer.getvalue())
    tiff[8:40] = b"\xff" * 32  # the LZW strip
    with pytest.raises(errors.ImageDecodeError) as raised:
        decode(bytes(tiff))
    assert raised.value.message.startswith("The image could not be decoded: decoder error")


def test_32_bit_values_past_16_bits_are_white_not_wrapped() -> None:
    array = np.array([[0, 70_000, 65_535, 256]], dtype=np.int32)
    assert np.asarray(decode(tiff_of(array)))[..., 0].ravel().tolist() == [0, 255, 255, 1]


def test_floats_above_one_are_on_the_0_to_255_scale() -> None:
    array = np.array([[0.0, 2.0, 1.5, 0.5]], dtype=np.float32)
    assert np.asarray(decode(tiff_of(array)))[..., 0].ravel().tolist() == [0, 2, 2, 0]


def test_the_pixel_limit_is_inclusive_and_its_message_exact() -> None:
    square = encode(Image.new("RGB", (100, 100), (9, 9, 9)), "PNG")
    assert decode_image(square, FORMATS, 10_000).size == (100, 100)
    with pytest.raises(errors.ImageTooManyPixels) as raised:
        decode_image(square, FORMATS, 9_999)
    assert raised.value.message == (
        "The image is 100x100 (10,000 pixels); the limit is 9,999 pixels."
    )
