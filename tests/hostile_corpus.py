"""A corpus of crafted uploads, each with the status and error code the API must answer.

Built from Pillow and raw bytes at test time (`python tests/hostile_corpus.py DIR` also writes
the files out, e.g. as a fuzzing seed corpus). Good images come from real photographs.
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import heic_samples
import numpy as np
from photos import encode, photo
from PIL import Image

DEFAULT_MAX_IMAGE_BYTES = 4_500_000


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    status: int
    code: str | None = None  # None for 200
    content_type: str = "application/octet-stream"


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(rows))
        + png_chunk(b"IEND", b"")
    )


def png_16bit_rgb() -> bytes:
    """Pillow cannot write 16-bit RGB, so write the PNG by hand: a photo scaled to 16 bits."""
    pixels = np.asarray(photo("chelsea").resize((96, 64))).astype(">u2") * 257
    rows = b"".join(b"\x00" + row.tobytes() for row in pixels)
    return raw_png(96, 64, 16, 2, rows)


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A ~100-byte PNG whose header claims 10 gigapixels."""
    row = b"\x00" + b"\x00" * (width * 3)
    return raw_png(width, height, 8, 2, zlib.decompress(zlib.compress(row[:1024])))


def gif_bomb() -> bytes:
    """A valid tiny GIF whose logical screen claims 65535 x 65535 pixels."""
    data = bytearray(encode(Image.new("P", (4, 4)), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose SOF marker is patched to claim a huge frame."""
    data = bytearray(encode(photo("chelsea").resize((64, 48)), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def animated_gif() -> bytes:
    frames = [photo("chelsea").resize((120, 80)), photo("coffee").resize((120, 80))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def multi_frame(fmt: str) -> bytes:
    frames = [photo("chelsea").resize((120, 80)), photo("rocket").resize((120, 80))]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def with_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(photo("chelsea"), "JPEG", exif=exif.tobytes())


def transparent_png() -> bytes:
    image = photo("chelsea").convert("RGBA")
    alpha = Image.new("L", image.size, 0)
    alpha.paste(255, (100, 50, 350, 250))
    image.putalpha(alpha)
    return encode(image, "PNG")


def palette_with_transparency() -> bytes:
    image = photo("coffee").convert("P", palette=Image.Palette.ADAPTIVE)
    return encode(image, "PNG", transparency=0)


def grey_16bit() -> bytes:
    return encode(Image.fromarray(np.asarray(photo("camera"), "<u2") * 257), "PNG")


def good_cases() -> list[Case]:
    cat = photo("chelsea")
    cases = [
        ("jpeg-baseline", encode(cat, "JPEG")),
        ("jpeg-progressive", encode(cat, "JPEG", progressive=True)),
        ("jpeg-cmyk", encode(cat.convert("CMYK"), "JPEG")),
        ("jpeg-greyscale", encode(photo("camera"), "JPEG")),
        ("jpeg-12mp-phone-photo", encode(photo("retina").resize((4000, 3000)), "JPEG")),
        ("png-rgb", encode(cat, "PNG")),
        ("png-rgba", transparent_png()),
        ("png-palette", encode(cat.convert("P", palette=Image.Palette.ADAPTIVE), "PNG")),
        ("png-palette-transparency", palette_with_transparency()),
        (
            "png-16bit-grey",
            encode(Image.fromarray(np.asarray(photo("camera"), ">u2") * 257), "PNG"),
        ),
        ("png-16bit-rgb", png_16bit_rgb()),
        ("png-1bit", encode(photo("camera").convert("1"), "PNG")),
        ("webp-lossy", encode(cat, "WEBP", quality=80)),
        ("webp-lossless-alpha", encode(cat.convert("RGBA"), "WEBP", lossless=True)),
        ("gif", encode(cat, "GIF")),
        ("gif-animated", animated_gif()),
        ("bmp", encode(cat, "BMP")),
        ("tiff-multipage", multi_frame("TIFF")),
        ("mpo-two-frames", multi_frame("MPO")),
        ("avif", encode(cat, "AVIF", quality=60)),
        ("heic", heic_samples.heic_photo()),
        ("heic-iphone-rotated", heic_samples.heic_rotated()),
        ("heic-two-images", heic_samples.encode_heic(cat, photo("coffee"))),
    ]
    cases += [(f"jpeg-exif-orientation-{n}", with_orientation(n)) for n in range(2, 9)]
    return [Case(name, data, 200) for name, data in cases]


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def bad_cases() -> list[Case]:
    cat = photo("chelsea")
    jpeg, png = encode(cat, "JPEG"), encode(cat, "PNG")
    corrupt_png = bytearray(png)
    corrupt_png[16:20] = b"\xff\xff\xff\xff"  # IHDR width, so the chunk's CRC no longer matches
    return [
        Case("empty", b"", 400, "empty_body"),
        Case("random-bytes", np.random.default_rng(0).bytes(4096), 415, "unsupported_image_format"),
        Case("text", b"hello, world\n" * 20, 415, "unsupported_image_format"),
        Case(
            "pdf",
            b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF",
            415,
            "unsupported_image_format",
        ),
        Case(
            "svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
            415,
            "unsupported_image_format",
        ),
        Case(
            "ico-not-allowed", encode(cat.resize((64, 64)), "ICO"), 415, "unsupported_image_format"
        ),
        Case("tga-not-allowed", encode(cat, "TGA"), 415, "unsupported_image_format"),
        Case("psd-like-magic", b"8BPS" + b"\x00" * 40, 415, "unsupported_image_format"),
        Case("jpeg-truncated", truncated(jpeg), 422, "image_truncated"),
        Case("png-truncated", truncated(png), 422, "image_truncated"),
        Case("gif-truncated", truncated(encode(cat, "GIF")), 422, "image_truncated"),
        Case("webp-truncated", truncated(encode(cat, "WEBP")), 422, "image_truncated"),
        Case("bmp-truncated", truncated(encode(cat, "BMP")), 422, "image_truncated"),
        Case("jpeg-header-only", jpeg[:200], 422, "image_truncated"),
        Case("png-bad-crc", bytes(corrupt_png), 422, "image_decode_error"),
        Case("png-bomb-10-gigapixels", png_bomb(), 413, "image_too_many_pixels"),
        Case("gif-bomb-4-gigapixels", gif_bomb(), 413, "image_too_many_pixels"),
        Case(
            "jpeg-bomb-claims-65000x65000",
            jpeg_claiming(65000, 65000),
            413,
            "image_too_many_pixels",
        ),
        Case("heic-truncated", heic_samples.heic_truncated(), 422, "image_truncated"),
        Case("heic-header-only", heic_samples.heic_truncated(0.01), 422, "image_truncated"),
        Case("heic-corrupt-iloc", heic_samples.heic_corrupt(b"iloc"), 422, "image_decode_error"),
        Case("heic-corrupt-hvcc", heic_samples.heic_corrupt(b"hvcC"), 422, "image_decode_error"),
        Case(
            "heic-claims-7000x7000",
            heic_samples.heic_claiming(7000, 7000),
            413,
            "image_too_many_pixels",
        ),
        Case(
            "heic-claims-65535x65535",
            heic_samples.heic_claiming(65535, 65535),
            413,
            "image_too_many_pixels",
        ),
        Case(
            "over-max-image-bytes",
            b"\xff\xd8\xff" + bytes(DEFAULT_MAX_IMAGE_BYTES),
            413,
            "payload_too_large",
        ),
    ]


def all_cases() -> list[Case]:
    return good_cases() + bad_cases()


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    out.mkdir(parents=True, exist_ok=True)
    for case in all_cases():
        (out / case.name).write_bytes(case.data)
    print(f"wrote {len(all_cases())} files to {out}")
