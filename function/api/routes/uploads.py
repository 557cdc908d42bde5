"""POST /uploads: a presigned S3 POST for an image too large for a request body."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from function.api.dependencies import current_settings
from function.api.schemas import uploads as schemas
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()


@router.post(
    "/uploads",
    status_code=201,
    response_model=schemas.UploadResponse,
    responses=schemas.UPLOAD_ERRORS,
    summary="Get a presigned POST to upload a large image to S3",
    description="Upload the file with the returned url and fields (`curl -F` each field, then "
    "`-F file=@photo.jpg`) within `expires_in` seconds, then POST /classify with "
    '`{"s3_key": key}`. The key is chosen by the server; S3 refuses files over '
    "`max_bytes` and Content-Types other than image/*.",
)
async def create_upload(
    request: Request,
    settings: Annotated[Settings, Depends(current_settings)],
    content_type: Annotated[
        str,
        Query(
            pattern=r"^image/[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$",
            description="The Content-Type the upload form will carry.",
        ),
    ] = "image/jpeg",
) -> schemas.UploadResponse:
    from function.aws.s3 import UPLOAD_EXPIRES_SECONDS, image_store  # on first use (cold start)

    store = image_store(settings)
    # The first call imports boto3 and finds credentials: off the event loop.
    signed = await asyncio.to_thread(store.presign_upload, content_type)
    request_state(request.scope["state"]).details["s3_key"] = signed["key"]
    return schemas.UploadResponse(
        key=signed["key"],
        upload=schemas.PresignedPost(**signed["upload"]),
        expires_in=UPLOAD_EXPIRES_SECONDS,
        max_bytes=store.max_bytes,
    )
