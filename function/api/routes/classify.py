"""POST /classify: one image in, the top-k classes out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from function.api import schemas
from function.api.dependencies import current_model, current_settings
from function.api.model_warning import model_warning, warning_headers
from function.api.request_body import arrived_as_text, read_image
from function.inference.classifier import Classifier
from function.inference.model_thread import run_on_model_thread
from function.inference.pipeline import classify_bytes
from function.shared import errors
from function.shared.settings import Settings

router = APIRouter()
# The upper bound depends on the model loaded, so it is checked in the route, not in Query().
TOP_K_DESCRIPTION = (
    "How many classes to return: 1 to the model's `num_classes` (GET /health). "
    "Default 5, or every class of a model with fewer."
)
DEFAULT_TOP_K = 5


def resolve_top_k(requested: int, explicit: bool, model: Classifier) -> int:
    """The caller's top_k, checked against this model; the default shrinks to fit a small one."""
    if not explicit:
        return min(requested, model.num_classes)
    if requested > model.num_classes:
        raise errors.InvalidParameter(
            f"top_k: must be at most {model.num_classes}, the number of classes of this model."
        )
    return requested


@router.post(
    "/classify",
    response_model=schemas.ClassifyResponse,
    response_model_by_alias=True,
    responses=schemas.CLASSIFY_RESPONSES,
    openapi_extra=schemas.CLASSIFY_REQUEST_BODY,
    summary="Classify one image",
)
async def classify(
    request: Request,
    response: Response,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    top_k: Annotated[int, Query(ge=1, description=TOP_K_DESCRIPTION)] = DEFAULT_TOP_K,
) -> schemas.ClassifyResponse:
    top_k = resolve_top_k(top_k, "top_k" in request.query_params, model)
    data = await read_image(request, settings)
    request.scope["state"]["details"]["image_bytes"] = len(data)
    try:
        # CPU-bound: off the event loop, on the thread that runs all model work (one hop).
        predictions = await run_on_model_thread(
            classify_bytes, data, top_k, model, settings, request.scope["state"]["details"]
        )
    except (errors.UnsupportedImageFormat, errors.ImageDecodeError, errors.ImageTruncated) as exc:
        if arrived_as_text(request.scope, data):
            raise errors.BodyNotBinary() from exc
        raise
    status = model_warning(model)
    warning_headers(response, status)
    return schemas.ClassifyResponse(
        predictions=[schemas.PredictionOut.of(p) for p in predictions],
        model=schemas.ModelRef.of(model),
        production_ready=status.production_ready,
        warning=status.warning,
    )


def document_top_k_limit(openapi: dict[str, Any], num_classes: int) -> None:
    """Put the loaded model's class count into the served schema as top_k's maximum."""
    parameters = openapi["paths"]["/classify"]["post"].get("parameters", [])
    for parameter in parameters:
        if parameter["name"] == "top_k":
            parameter["schema"]["maximum"] = num_classes
