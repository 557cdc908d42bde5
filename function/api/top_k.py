"""top_k, shared by every classify route: checked against the loaded model's class count."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from function.api.dependencies import current_model
from function.inference.classifier import Classifier
from function.shared import errors

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


async def checked_top_k(
    request: Request,
    model: Annotated[Classifier, Depends(current_model)],
    top_k: Annotated[int, Query(ge=1, description=TOP_K_DESCRIPTION)] = DEFAULT_TOP_K,
) -> int:
    """The `top_k` query parameter of every classify route, as a dependency."""
    return resolve_top_k(top_k, "top_k" in request.query_params, model)
