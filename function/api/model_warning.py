"""Marking answers from a model unfit for production (random weights), in body and header.

Any route that returns predictions (today /classify; a batch endpoint's entries later) calls
`model_warning` once and puts the result in its body and `warning_headers` in its response,
so a client can never take such an answer for a real prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Response

from function.inference.classifier import Classifier

HEADER = "x-model-warning"
# For a model whose metadata says "not production ready" without saying why.
FALLBACK = "This model is not fit for production: its predictions are not meaningful."


@dataclass(frozen=True)
class ModelWarning:
    production_ready: bool
    warning: str | None


def model_warning(model: Classifier) -> ModelWarning:
    """Unknown metadata counts as unfit: only an explicit production_ready=true is trusted."""
    ready = model.metadata.get("production_ready") is True
    if ready:
        return ModelWarning(True, None)
    return ModelWarning(False, model.metadata.get("warning") or FALLBACK)


def warning_headers(response: Response, status: ModelWarning) -> None:
    if status.warning is not None:
        # HTTP header values are Latin-1; a model's warning text may not be.
        response.headers[HEADER] = status.warning.encode("ascii", "replace").decode()
