"""HEIC files for tests, encoded at test time with pillow-heif (no binary files in git).

Besides photos, the byte surgery for the hostile corpus: a truncated file, one whose `ispe`
(image spatial extents) box declares a huge size, and one with corrupt coded data.
"""

from __future__ import annotations

import io
import struct
from functools import cache

import pillow_heif
from photos import photo
from PIL import Image

ORIENTATION_TAG = 0x0112


def encode_heic(*frames: Image.Image, quality: int = 80) -> bytes:
    """The first image is the primary one, which viewers (and we) show as frame 0."""
    heif = pillow_heif.from_pillow(frames[0])
    for frame in frames[1:]:
        heif.add_from_pillow(frame)
    buffer = io.BytesIO()
    heif.save(buffer, quality=quality)
    return buffer.getvalue()


@cache
def heic_photo(name: str = "chelsea") -> bytes:
    """Even sides: an odd side is padded and cropped back by a `clap` box, which would then
    override any size the `ispe` box declares."""
    image = photo(name)
    return encode_heic(image.resize((image.width // 2 * 2, image.height // 2 * 2)))


def heic_rotated() -> bytes:
    """As an iPhone writes a portrait photo: stored sideways, with an `irot` transformation
    property and EXIF orientation 6. Per the HEIF spec, only `irot` counts."""
    image = photo("chelsea").resize((450, 300))
    exif = Image.Exif()
    exif[ORIENTATION_TAG] = 6
    image.info["exif"] = exif.tobytes()
    data = encode_heic(image)
    assert b"irot" in data
    return data


def ispe_offset(data: bytes) -> int:
    """Where the first `ispe` box's width and height (two big-endian uint32) start."""
    at = data.index(b"ispe")
    return at + 4 + 4  # the box type, then version and flags


def declared_size(data: bytes) -> tuple[int, int]:
    at = ispe_offset(data)
    return struct.unpack(">II", data[at : at + 8])


def heic_claiming(width: int, height: int) -> bytes:
    data = bytearray(heic_photo())
    at = ispe_offset(data)
    data[at : at + 8] = struct.pack(">II", width, height)
    return bytes(data)


def heic_truncated(keep: float = 0.6) -> bytes:
    data = heic_photo()
    return data[: int(len(data) * keep)]


def heic_corrupt(box: bytes) -> bytes:
    """The first 24 bytes of a box (`iloc`: where the data lies; `hvcC`: the HEVC decoder
    configuration) overwritten with noise."""
    data = bytearray(heic_photo())
    at = data.index(box) + 4
    data[at : at + 24] = bytes((i * 37 + 11) % 256 for i in range(24))
    return bytes(data)
