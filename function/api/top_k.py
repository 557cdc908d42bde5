"""top_k, shared by every classify route: checked against the loaded model's class count."""

from __future__ import annotations

from typing import Any

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


def document_top_k_limit(openapi: dict[str, Any], num_classes: int) -> None:
    """Put the loaded model's class count into the served schema as every top_k's maximum."""
    for path in openapi["paths"].values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "top_k":
                    parameter["schema"]["maximum"] = num_classes
