"""POST /classify: one image in (as the body, or by its S3 key), the top-k classes out."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from function.api.bodies.image import arrived_as_text, read_image
from function.api.bodies.json_model import media_type_of, read_json
from function.api.dependencies import current_cache, current_model, current_settings
from function.api.model_warning import model_warning, warning_headers
from function.api.schemas import common as schemas
from function.api.schemas import uploads as upload_schemas
from function.api.top_k import checked_top_k
from function.cache.cached_scoring import score_with_cache
from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.inference.scoring import rank
from function.shared import errors
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()
DECODE_FAILURES = (errors.UnsupportedImageFormat, errors.ImageDecodeError, errors.ImageTruncated)
_REQUEST_BODY = schemas.CLASSIFY_REQUEST_BODY["requestBody"]


@router.post(
    "/classify",
    response_model=schemas.ClassifyResponse,
    response_model_by_alias=True,
    responses={
        **schemas.CLASSIFY_RESPONSES,
        **upload_schemas.BY_KEY_ERRORS,
        200: {
            **schemas.CLASSIFY_RESPONSES[200],
            "headers": {**schemas.MODEL_WARNING_HEADER, **upload_schemas.X_CACHE_HEADER},
        },
    },
    openapi_extra={
        "requestBody": {
            **_REQUEST_BODY,
            "description": f"{_REQUEST_BODY['description']} Or, for images up to "
            'MAX_UPLOAD_BYTES uploaded through POST /uploads, JSON `{"s3_key": "uploads/…"}`.',
            "content": {**_REQUEST_BODY["content"], "application/json": upload_schemas.BY_KEY_BODY},
        }
    },
    summary="Classify one image",
)
async def classify(
    request: Request,
    response: Response,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    cache: Annotated[ContentCache, Depends(current_cache)],
    top_k: Annotated[int, Depends(checked_top_k)],
) -> schemas.ClassifyResponse:
    details = request_state(request.scope["state"]).details
    if media_type_of(request) == "application/json":
        # Imported on first use: a deployment without S3 never loads the adapter (cold start).
        from function.aws.s3 import image_store

        store = image_store(settings)
        key = (await read_json(request, upload_schemas.ClassifyByKey)).s3_key
        details["s3_key"] = key
        data = await asyncio.to_thread(store.read, key)
    else:
        data = await read_image(request, settings)
    details["image_bytes"] = len(data)
    [scored] = await score_with_cache([data], model, settings, cache, details)
    details["cache"] = response.headers["x-cache"] = scored.cache
    if scored.error is not None:
        if isinstance(scored.error, DECODE_FAILURES) and arrived_as_text(request.scope, data):
            raise errors.BodyNotBinary() from scored.error
        raise scored.error
    assert scored.probabilities is not None
    status = model_warning(model)
    warning_headers(response, status)
    return schemas.ClassifyResponse(
        predictions=[
            schemas.PredictionOut.of(p) for p in rank(scored.probabilities, model.labels, top_k)
        ],
        model=schemas.ModelRef.of(model),
        production_ready=status.production_ready,
        warning=status.warning,
    )
