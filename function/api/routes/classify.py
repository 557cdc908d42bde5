"""POST /classify: one image in, the top-k classes out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from function.api import schemas
from function.api.dependencies import current_model, current_settings
from function.api.request_body import arrived_as_text, read_image
from function.inference.classifier import Classifier
from function.inference.model_thread import run_on_model_thread
from function.inference.pipeline import classify_bytes
from function.shared import errors
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()


@router.post(
    "/classify",
    response_model=schemas.ClassifyResponse,
    response_model_by_alias=True,
    responses=schemas.CLASSIFY_ERRORS,
    openapi_extra=schemas.CLASSIFY_REQUEST_BODY,
    summary="Classify one image",
)
async def classify(
    request: Request,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    top_k: Annotated[int, Query(ge=1, le=1000, description="How many classes to return.")] = 5,
) -> schemas.ClassifyResponse:
    data = await read_image(request, settings)
    details = request_state(request.scope["state"]).details
    details["image_bytes"] = len(data)
    try:
        # CPU-bound: off the event loop, on the thread that runs all model work (one hop).
        predictions = await run_on_model_thread(
            classify_bytes, data, top_k, model, settings, details
        )
    except (errors.UnsupportedImageFormat, errors.ImageDecodeError, errors.ImageTruncated) as exc:
        if arrived_as_text(request.scope, data):
            raise errors.BodyNotBinary() from exc
        raise
    return schemas.ClassifyResponse(
        predictions=[schemas.PredictionOut.of(p) for p in predictions],
        model=schemas.ModelRef.of(model),
    )
