"""HEIC/HEIF (the iPhone camera's format) through the pillow-heif plugin, loaded on first use.

Importing pillow-heif and its libheif costs about 30 ms (median of runs of `python -X
importtime` and a timed import), so it is not imported at init: a cold start pays nothing, and
only the first HEIF request of an execution environment pays once.

Pillow must never be asked for a format it has not registered: it would import all of its
forty-odd plugins and then fail. So "HEIF" reaches Pillow only for bytes that claim to be
HEIF, and is registered just before.
"""

from __future__ import annotations

from functools import cache

HEIF = "HEIF"
# The ISO-BMFF `ftyp` major brands of HEVC-coded HEIF (the plugin's own list). Those also
# used by AVIF (mif1, msf1) leave Pillow's AVIF plugin a first try.
HEVC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
SHARED_BRANDS = frozenset({b"mif1", b"msf1"})


def major_brand(data: bytes) -> bytes | None:
    return data[8:12] if data[4:8] == b"ftyp" else None


@cache
def register_heif() -> None:
    from pillow_heif import register_heif_opener

    # Thumbnails, depth maps and auxiliary images are never used: do not even index them.
    register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)


def pillow_formats(data: bytes, allowed_formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats to offer Pillow for these bytes, registering the HEIF plugin if they need it."""
    if HEIF not in allowed_formats:
        return allowed_formats
    brand = major_brand(data)
    others = tuple(name for name in allowed_formats if name != HEIF)
    if brand in HEVC_BRANDS:
        register_heif()
        return (HEIF, *others)
    if brand in SHARED_BRANDS:
        register_heif()
        return (*others, HEIF)
    return others
