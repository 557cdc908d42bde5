"""POST /classify/batch: up to 16 images in one request, one model call for all of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from function.api.bodies.batch import files_from_multipart, objects_from_s3
from function.api.bodies.json_model import media_type_of, read_json
from function.api.dependencies import current_cache, current_model, current_settings
from function.api.model_warning import model_warning, warning_headers
from function.api.schemas import batch as schemas
from function.api.schemas.common import MODEL_WARNING_HEADER, ModelRef, PredictionOut
from function.api.schemas.uploads import X_CACHE_HEADER
from function.api.top_k import checked_top_k
from function.cache.cached_scoring import score_with_cache
from function.cache.content import ContentCache
from function.inference.classifier import Classifier
from function.inference.scoring import rank
from function.shared import errors
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()


@router.post(
    "/classify/batch",
    response_model=schemas.BatchResponse,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses={
        **schemas.BATCH_ERRORS,
        200: {"headers": {**MODEL_WARNING_HEADER, **X_CACHE_HEADER}},
    },
    openapi_extra=schemas.BATCH_REQUEST_BODY,
    summary="Classify up to 16 images",
    description="One entry per input, in input order; an image that fails gets its own "
    "`error` and never fails the others. `x-cache` is 'hit' only when every entry was.",
)
async def classify_batch(
    request: Request,
    response: Response,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    cache: Annotated[ContentCache, Depends(current_cache)],
    top_k: Annotated[int, Depends(checked_top_k)],
) -> schemas.BatchResponse:
    status = model_warning(model)
    media_type = media_type_of(request)
    by_key = media_type == "application/json"
    if by_key:
        from function.aws.s3 import image_store  # on first use, as in classify.py

        store = image_store(settings)
        keys = (await read_json(request, schemas.BatchByKeys)).s3_keys
        inputs = await objects_from_s3(store, keys)
    elif media_type == "multipart/form-data":
        inputs = await files_from_multipart(request, settings)
    else:
        raise errors.UnsupportedMediaType(
            f"Content-Type '{media_type or 'none'}' is not accepted: send multipart/form-data "
            "with file fields 'images', or JSON {\"s3_keys\": [...]}."
        )
    readable = [data for _, data in inputs if isinstance(data, bytes)]
    details = request_state(request.scope["state"]).details
    details["images"] = len(inputs)
    details["image_bytes"] = sum(len(data) for data in readable)
    scored = iter(await score_with_cache(readable, model, settings, cache, details))
    entries = []
    for name, data in inputs:
        entry = schemas.BatchEntry(**{"s3_key" if by_key else "filename": name})
        outcome = next(scored) if isinstance(data, bytes) else None
        failure = data if isinstance(data, errors.ServiceError) else outcome and outcome.error
        if outcome is not None:
            entry.cache = outcome.cache
        if failure:
            entry.error = schemas.EntryError(code=failure.code, message=failure.message)
        elif outcome is not None and outcome.probabilities is not None:
            ranked = rank(outcome.probabilities, model.labels, top_k)
            entry.predictions = [PredictionOut.of(p) for p in ranked]
            entry.warning = status.warning
        entries.append(entry)
    all_hits = all(entry.cache == "hit" for entry in entries)
    response.headers["x-cache"] = "hit" if all_hits else "miss"
    warning_headers(response, status)
    return schemas.BatchResponse(
        results=entries,
        model=ModelRef.of(model),
        production_ready=status.production_ready,
        warning=status.warning,
    )
