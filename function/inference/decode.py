"""Image decoding in Pillow: frame 0, upright, RGB; every hostile input becomes a typed error.

Headers are checked (format, size, pixel count) before any pixel is decoded.
"""

from __future__ import annotations

import io
import math
import struct
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Register the default formats' decoders now, during init. Left to Pillow, the first request
# would import all of its forty-odd plugins.
from PIL import (  # noqa: F401  isort: skip
    AvifImagePlugin,
    BmpImagePlugin,
    GifImagePlugin,
    JpegImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from function.inference.heif import pillow_formats
from function.inference.preprocess import RESIZE_SIZE
from function.shared.errors import (
    EmptyBody,
    ImageDecodeError,
    ImageTooManyPixels,
    ImageTruncated,
    UnsupportedImageFormat,
)

# Transparent pixels are composited onto white: a photo's cut-out object on white is what
# ImageNet-style photos look like, while convert("RGB") would turn the background black.
BACKGROUND = (255, 255, 255)
# Large JPEGs are decoded at a reduced DCT scale (1/2, 1/4 or 1/8), never below the resize
# target. A 12 MP photo then decodes to 500x375: 13 ms instead of 57 ms, and 0.6 MB instead
# of 36 MB, within half a grey level (mean) of a full decode (tests/unit/test_decode.py).
# A model that resizes to more than ImageNet's 256 passes its own resize size instead.
DRAFT_MIN_SIDE = RESIZE_SIZE
# Pillow only warns about decompression bombs below twice its limit; for a public endpoint
# that warning must stop the decode. Set once, at import, for the whole process.
warnings.simplefilter("error", Image.DecompressionBombWarning)

# Header parsers and decoders in Pillow's plugins raise all of these on malformed input.
DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    ZeroDivisionError,
    OverflowError,
    RuntimeError,  # the AVIF decoder's "Decoding of color planes failed" (found by fuzzing)
)
# Phrases in Pillow's errors that mean "the data stops early", whatever the format.
TRUNCATION_HINTS = ("truncat", "broken data stream", "unexpected end", "premature end")
# libheif refuses a header that declares over a gigapixel before Pillow sees the size.
TOO_MANY_PIXELS_HINTS = ("exceeds the maximum image size",)


def decode_image(data: bytes, allowed_formats: tuple[str, ...], max_pixels: int) -> Image.Image:
    """Decode frame 0 of an image, upright and in RGB, refusing anything risky before decoding."""
    return load_rgb(open_image(data, allowed_formats, max_pixels), data, max_pixels)


def open_image(data: bytes, allowed_formats: tuple[str, ...], max_pixels: int) -> Image.Image:
    """Read and check only the header: format, size and pixel count. No pixel is decoded."""
    if not data:
        raise EmptyBody()
    try:
        image = Image.open(io.BytesIO(data), formats=list(pillow_formats(data, allowed_formats)))
    except UnidentifiedImageError as exc:
        raise _unidentified(data, allowed_formats) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except DECODE_ERRORS as exc:
        raise _decode_failure(data, exc, "header could not be parsed", max_pixels) from exc

    width, height = image.size
    if width < 1 or height < 1:
        raise ImageDecodeError("The image has no pixels.")
    if width * height > max_pixels:
        raise ImageTooManyPixels(
            f"The image is {width}x{height} ({width * height:,} pixels); "
            f"the limit is {max_pixels:,} pixels."
        )
    return image


def load_rgb(
    image: Image.Image, data: bytes, max_pixels: int, min_side: int = DRAFT_MIN_SIDE
) -> Image.Image:
    """Decode an opened image's frame 0 (large JPEGs at reduced scale, never below min_side
    on the shorter side), upright, in RGB."""
    try:
        _draft_large_jpeg(image, min_side)
        image.load()
        image = ImageOps.exif_transpose(image)
        return _to_rgb(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except DECODE_ERRORS as exc:
        raise _decode_failure(data, exc, "could not be decoded", max_pixels) from exc


def _too_many_pixels(max_pixels: int) -> ImageTooManyPixels:
    return ImageTooManyPixels(f"The image claims more than the limit of {max_pixels:,} pixels.")


def _unidentified(data: bytes, allowed_formats: tuple[str, ...]) -> Exception:
    """Pillow reports a recognised file with a corrupt header as "unidentified" too; tell the
    client which of the two it sent."""
    for name in allowed_formats:
        accept = Image.OPEN.get(name, (None, None))[1]
        if accept is not None and accept(data[:16]):
            if len(data) < 64:
                return ImageTruncated(f"The {name} file ends inside its header.")
            return ImageDecodeError(f"The file starts like {name} but its header is corrupt.")
    return UnsupportedImageFormat(
        f"The bytes are not an image in a supported format ({', '.join(allowed_formats)})."
    )


def _decode_failure(data: bytes, exc: Exception, what: str, max_pixels: int) -> Exception:
    if any(hint in str(exc) for hint in TOO_MANY_PIXELS_HINTS):
        return _too_many_pixels(max_pixels)
    text = str(exc).lower()
    if any(hint in text for hint in TRUNCATION_HINTS) or _riff_truncated(data):
        return ImageTruncated()
    return ImageDecodeError(f"The image {what}: {exc}")


def _riff_truncated(data: bytes) -> bool:
    """WebP (RIFF) declares its length up front; Pillow's error for a short file is generic."""
    return (
        data[:4] == b"RIFF" and len(data) >= 8 and struct.unpack("<I", data[4:8])[0] + 8 > len(data)
    )


def _draft_large_jpeg(image: Image.Image, min_side: int) -> None:
    if image.format not in ("JPEG", "MPO"):
        return
    width, height = image.size
    shorter = min(width, height)
    if shorter < 2 * min_side:
        return
    factor = min_side / shorter
    image.draft(None, (math.ceil(width * factor), math.ceil(height * factor)))


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        # 16-bit greyscale: rescale to 8 bits; convert("L") would clip it to white.
        wide = np.asarray(image).astype(np.uint32)
        return Image.fromarray((np.clip(wide, 0, 65535) >> 8).astype(np.uint8)).convert("RGB")
    if mode == "F":
        values = np.asarray(image, dtype=np.float32)
        peak = 1.0 if float(np.nanmax(values, initial=0.0)) <= 1.0 else 255.0
        scaled = np.nan_to_num(np.clip(values / peak, 0.0, 1.0) * 255.0)
        return Image.fromarray(scaled.round().astype(np.uint8)).convert("RGB")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image if mode == "RGB" else image.convert("RGB")
