"""GET /health: the model card (which model, from what, how accurate in int8), whether it
is fit for production, and the limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from function.api.dependencies import current_model, current_settings
from function.api.model_card import ModelCard
from function.api.schemas import common as schemas
from function.inference.classifier import Classifier
from function.shared.settings import Settings

router = APIRouter()


@router.get("/health", response_model=schemas.HealthResponse, summary="Model and limits")
async def health(
    model: Annotated[Classifier, Depends(current_model)],
    settings: Annotated[Settings, Depends(current_settings)],
) -> schemas.HealthResponse:
    meta = model.metadata
    return schemas.HealthResponse(
        **ModelCard.fields(meta),
        status="ok",
        model=schemas.ModelRef.of(model),
        weights=meta["weights"],
        production_ready=meta["production_ready"],
        warning=meta.get("warning"),
        quantization_backend=meta["quantization"]["backend"],
        warmed_up=model.warmed_up,
        limits={
            "max_image_bytes": settings.max_image_bytes,
            "max_image_pixels": settings.max_image_pixels,
            "allowed_formats": list(settings.allowed_formats),
        },
    )
