"""GET /results: the outcome for an image dropped into the bucket under INCOMING_PREFIX."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from function.api.dependencies import current_model, current_settings
from function.api.model_warning import model_warning, warning_headers
from function.api.schemas import jobs as schemas
from function.api.schemas.common import ModelRef, PredictionOut
from function.api.top_k import checked_top_k
from function.inference.classifier import Classifier
from function.inference.scoring import rank
from function.shared import errors
from function.shared.request_state import request_state
from function.shared.settings import Settings

router = APIRouter()


@router.get(
    "/results",
    response_model=schemas.ObjectResult,
    response_model_by_alias=True,
    response_model_exclude_none=True,
    responses=schemas.RESULT_ERRORS,
    summary="The result for an image dropped under INCOMING_PREFIX",
    description="Objects created under INCOMING_PREFIX are classified by the worker without "
    "a request, whatever their name (`..`, `//`, spaces, `+`, any script): pass the key "
    "URL-encoded as any query parameter. 404 result_not_found until then; an image that "
    "cannot be classified answers 200 with its `error`. 400 invalid_s3_key only for a key "
    "not under INCOMING_PREFIX or over 1024 UTF-8 bytes. "
    "These results belong to the bucket, not to a caller: any caller the API lets in "
    "may read them, unlike a job's.",
)
async def get_result(
    request: Request,
    response: Response,
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
    s3_key: Annotated[
        str, Query(max_length=1024, description="e.g. incoming/photo.jpg; at most 1024 UTF-8 bytes")
    ],
    top_k: Annotated[int, Depends(checked_top_k)],
) -> schemas.ObjectResult:
    from function.api.jobs_config import job_store, store_errors  # on first use (cold start)
    from function.aws.s3 import incoming_store
    from function.jobs.drop_results import read_object

    store = job_store(settings)
    incoming_store(settings).check_key(s3_key)
    request_state(request.scope["state"]).details["s3_key"] = s3_key
    with store_errors():
        found = await asyncio.to_thread(
            read_object, store.table, s3_key, model.version, model.num_classes
        )
    if found is None:
        raise errors.ResultNotFound(
            f"No result for '{s3_key}' from this model yet: retry in a few seconds, or drop the "
            "image again if an earlier model classified it."
        )
    status = model_warning(model)
    warning_headers(response, status)
    if isinstance(found, dict):
        error, predictions = schemas.EntryError(**found), None
    else:
        error, predictions = None, [PredictionOut.of(p) for p in rank(found, model.labels, top_k)]
    return schemas.ObjectResult(
        s3_key=s3_key,
        predictions=predictions,
        error=error,
        model=ModelRef.of(model),
        production_ready=status.production_ready,
        warning=status.warning,
    )
