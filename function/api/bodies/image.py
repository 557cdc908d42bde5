"""Reading the image out of an HTTP request: raw bodies and multipart, within the size limit."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from function.api.media_types import RAW_BODY_MEDIA_TYPES, media_type_of
from function.shared import errors
from function.shared.settings import Settings

# Room for multipart boundaries and part headers on top of the image itself.
MULTIPART_OVERHEAD = 64 * 1024
# Starlette's defaults allow 1000 files and fields; one image needs one file and no fields.
MULTIPART_LIMITS = {"max_files": 1, "max_fields": 16, "max_part_size": MULTIPART_OVERHEAD}
# What binary bytes look like after a trip through a UTF-8 text decoder: U+FFFD, encoded.
REPLACEMENT_CHARACTER = "\ufffd".encode()


async def read_body(request: Request, limit: int) -> bytes:
    """Read at most `limit` bytes, refusing early when Content-Length already says too many."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise errors.PayloadTooLarge(f"The request is {int(declared):,} bytes; limit {limit:,}.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise errors.PayloadTooLarge(f"The request is over the {limit:,}-byte limit.")
        chunks.append(chunk)
    return b"".join(chunks)


async def image_from_multipart(headers: Headers, body: bytes, limit: int) -> bytes:
    async def single_chunk() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(headers, single_chunk(), **MULTIPART_LIMITS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise errors.MalformedMultipart(f"The multipart body is malformed: {exc.message}") from exc
    if not _closes(headers, body):
        await form.close()
        raise errors.MalformedMultipart(
            "The multipart body is malformed or truncated: it ends before its closing "
            "boundary, so its last part is incomplete."
        )
    try:
        upload = form.get("image")
        if not isinstance(upload, UploadFile):
            sent = ", ".join(sorted(set(form.keys()))) or "none"
            raise errors.MissingImageField(
                f"Send the image as a file in the form field 'image' (fields sent: {sent})."
            )
        data = await upload.read()
    finally:
        await form.close()
    if len(data) > limit:
        raise errors.PayloadTooLarge(f"The image is {len(data):,} bytes; limit {limit:,}.")
    return data


def _closes(headers: Headers, body: bytes) -> bool:
    """Whether the body holds its closing delimiter ("--" boundary "--"). The parser reads a
    body cut off mid-part without complaint, and just leaves the unfinished part out."""
    _, options = parse_options_header(headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    return not boundary or b"--" + boundary + b"--" in body


async def read_image(request: Request, settings: Settings) -> bytes:
    media_type = media_type_of(request.headers.get("content-type", ""))
    if media_type == "multipart/form-data":
        body = await read_body(request, settings.max_image_bytes + MULTIPART_OVERHEAD)
        return await image_from_multipart(request.headers, body, settings.max_image_bytes)
    if media_type in RAW_BODY_MEDIA_TYPES:
        return await read_body(request, settings.max_image_bytes)
    raise errors.UnsupportedMediaType(
        f"Content-Type '{media_type or 'none'}' is not accepted: send multipart/form-data "
        f"with a file field 'image', the raw image as one of {', '.join(RAW_BODY_MEDIA_TYPES)}, "
        'or JSON {"s3_key": ...} for an image uploaded through POST /uploads.'
    )


def arrived_as_text(scope: Mapping[str, Any], data: bytes) -> bool:
    """True when an image was mangled into UTF-8 text on its way here.

    API Gateway does this to a binary body whose Content-Type is not in the API's
    BinaryMediaTypes: the Lambda event then says isBase64Encoded=false, and every byte that
    was not valid UTF-8 has become U+FFFD. Image headers are never valid UTF-8.
    """
    event = scope.get("aws.event") or {}
    if event.get("isBase64Encoded") is True:
        return False
    return REPLACEMENT_CHARACTER in data[:64]
