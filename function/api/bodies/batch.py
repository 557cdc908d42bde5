"""The inputs of a batch: the `images` parts of a multipart body, or S3 keys read in parallel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from function.api.bodies.image import MULTIPART_OVERHEAD, read_body
from function.api.schemas.batch import MAX_BATCH_IMAGES
from function.shared import errors
from function.shared.settings import Settings

if TYPE_CHECKING:
    from function.aws.s3 import ImageStore

# One more file than allowed, so that "too many" is ours to say (413), not the parser's (400).
BATCH_MULTIPART_LIMITS = {
    "max_files": MAX_BATCH_IMAGES + 1,
    "max_fields": 16,
    "max_part_size": MULTIPART_OVERHEAD,
}
Input = tuple[str, bytes | errors.ServiceError]


def check_count(count: int) -> None:
    if count > MAX_BATCH_IMAGES:
        raise errors.TooManyImages(f"The batch holds {count} images; at most {MAX_BATCH_IMAGES}.")
    if count == 0:
        raise errors.NoImages(f"Send 1 to {MAX_BATCH_IMAGES} images.")


async def files_from_multipart(request: Request, settings: Settings) -> list[Input]:
    """(filename, bytes) for each file part named 'images', in the order sent."""
    body = await read_body(request, settings.max_image_bytes + MULTIPART_OVERHEAD)

    async def single_chunk() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(request.headers, single_chunk(), **BATCH_MULTIPART_LIMITS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        if "Too many files" in exc.message:
            raise errors.TooManyImages(f"A batch holds at most {MAX_BATCH_IMAGES} images.") from exc
        raise errors.MalformedMultipart(f"The multipart body is malformed: {exc.message}") from exc
    try:
        uploads = [part for part in form.getlist("images") if isinstance(part, UploadFile)]
        check_count(len(uploads))
        inputs: list[Input] = []
        for upload in uploads:
            data = await upload.read()
            inputs.append((upload.filename or "", data if data else errors.EmptyBody()))
        return inputs
    finally:
        await form.close()


async def objects_from_s3(store: ImageStore, keys: list[str]) -> list[Input]:
    """(key, bytes or the error reading it) for each key, fetched concurrently."""
    check_count(len(keys))

    def read(key: str) -> bytes | errors.ServiceError:
        try:
            return store.read(key)
        except errors.ServiceError as exc:
            return exc

    found = await asyncio.gather(*(asyncio.to_thread(read, key) for key in keys))
    return list(zip(keys, found, strict=True))
