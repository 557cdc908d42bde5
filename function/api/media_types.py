"""The raw-body Content-Types /classify accepts: one list for the app, the OpenAPI schema and
the template's BinaryMediaTypes (tests/template checks that each one is listed there).

The list is explicit, with no `image/*` wildcard, because `sam local start-api` compares the
request's Content-Type with BinaryMediaTypes by exact string equality: it never expands
`image/*`, so under it a raw JPEG was decoded as UTF-8 text and answered 502 before reaching
the function. API Gateway expands wildcards, so listing each type behaves the same on both.
"""

from __future__ import annotations

# Content-Type -> the Pillow format it names. The decoder sniffs the bytes and never trusts
# the label; the mapping documents the OpenAPI schema and keeps the two lists aligned.
RAW_IMAGE_MEDIA_TYPES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/jpg": "JPEG",  # not registered, but common enough in clients to accept
    "image/pjpeg": "JPEG",
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "image/bmp": "BMP",
    "image/x-ms-bmp": "BMP",
    "image/tiff": "TIFF",
    "image/avif": "AVIF",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
    "image/heic-sequence": "HEIF",
    "image/heif-sequence": "HEIF",
}
# Any supported format, for clients that do not know what they are sending.
GENERIC_BINARY = "application/octet-stream"
RAW_BODY_MEDIA_TYPES: tuple[str, ...] = (*RAW_IMAGE_MEDIA_TYPES, GENERIC_BINARY)


def media_type_of(content_type: str) -> str:
    """`image/JPEG; charset=x` -> `image/jpeg`: the part API Gateway and the app compare."""
    return content_type.split(";")[0].strip().lower()
