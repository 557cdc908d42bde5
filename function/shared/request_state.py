"""What one request carries from the middleware through the routes to the model thread.

The observability middleware creates a RequestState per request and stores it in the ASGI
scope's state; routes and the pipeline add to its details, which end up in the request's
summary log line and metrics. Typed, so that a misspelt field is a type error, not a log
line that silently lacks it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Literal, TypedDict

# The key of the RequestState in the ASGI scope's "state" (Starlette's request.state).
STATE_KEY = "request"

StageName = Literal["decode", "preprocess", "inference"]
StageKey = Literal["decode_ms", "preprocess_ms", "inference_ms"]
STAGE_KEYS: dict[StageName, StageKey] = {
    "decode": "decode_ms",
    "preprocess": "preprocess_ms",
    "inference": "inference_ms",
}


class RequestDetails(TypedDict, total=False):
    """Summary-log fields a request may add; each appears only once it is known."""

    image_bytes: int
    image_format: str | None
    image_width: int
    image_height: int
    image_megapixels: float
    decode_ms: float
    preprocess_ms: float
    inference_ms: float
    error_code: str
    # By-key and batch routes, and the content cache (function/cache/).
    s3_key: str
    images: int
    cache: str
    cache_hits: int
    cache_misses: int
    cache_errors: int
    # Prediction health (metrics.emit_prediction_metrics): each answer's top-1 probability.
    top1_probabilities: list[float]
    confidence_floor: float
    # The jobs API.
    job_id: str
    replayed: bool
    first_index: int  # GET /jobs/{id}: where the page starts (pages are sized by bytes)
    # One SQS batch of the worker (function/jobs/), logged and measured like a request.
    messages: int
    succeeded: int
    failed: int
    duplicates: int
    retried: int
    batch_ms: float


@dataclass
class RequestState:
    request_id: str
    cold_start: bool = False
    # Written on the event loop and on the model thread, but never at the same time: the
    # loop awaits the model thread's work before it reads or writes again.
    details: RequestDetails = field(default_factory=lambda: RequestDetails())


def attach(scope_state: MutableMapping[str, object], state: RequestState) -> None:
    scope_state[STATE_KEY] = state


def request_state(scope_state: Mapping[str, object]) -> RequestState:
    """The request's RequestState; a fresh one (new ID) if no middleware attached any."""
    state = scope_state.get(STATE_KEY)
    if isinstance(state, RequestState):
        return state
    return RequestState(request_id=str(uuid.uuid4()))
