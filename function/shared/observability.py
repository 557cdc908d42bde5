"""Request IDs, structured logs and X-Ray subsegments (Powertools for AWS Lambda).

One ASGI middleware gives every request an ID, puts it in every log line (through a context
variable, so concurrent requests never see each other's) and in the `x-request-id` response
header, and writes one summary log line plus one set of metrics (metrics.py) when the
response is done. Locally (POWERTOOLS_DEV=true, as `make run` sets) logs are pretty-printed
and metrics are off; no AWS credentials are needed either way, because EMF metrics are log
lines, not API calls.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Tracer

if TYPE_CHECKING:  # annotations only: the SQS worker imports this module without Starlette
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

from function.shared.cold_start import request_cold_start
from function.shared.metrics import SERVICE, emit_request_metrics
from function.shared.request_state import (
    STAGE_KEYS,
    RequestDetails,
    RequestState,
    StageName,
    attach,
)

# Echo a caller's ID only if it is short and plain: it lands in logs and response headers.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Keys each request adds to every log line it writes, wherever it writes them.
REQUEST_LOG_KEYS = ("request_id", "cold_start")

logger = Logger(service=SERVICE)


def tracing_enabled() -> bool:
    """X-Ray only inside Lambda, and only when the stack's Tracing parameter is on."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true")
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME")) and not disabled


# Building a Tracer imports the X-Ray SDK and botocore (about 0.2 s of cold start) even when
# it is disabled, so without tracing there is no Tracer at all.
tracer = Tracer(service=SERVICE) if tracing_enabled() else None


def request_id_for(scope: Scope) -> str:
    """The caller's valid x-request-id, else API Gateway's request ID, else a new UUID."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if REQUEST_ID_PATTERN.fullmatch(candidate):
                return candidate
    context = (scope.get("aws.event") or {}).get("requestContext") or {}
    return str(context.get("requestId") or uuid.uuid4())


@contextmanager
def stage(details: RequestDetails, name: StageName) -> Iterator[None]:
    """Time one step of a request into details[f"{name}_ms"], with an X-Ray subsegment."""
    started = time.perf_counter()
    if tracer is None:
        yield
    else:
        with tracer.provider.in_subsegment(f"## {name}"):
            yield
    details[STAGE_KEYS[name]] = round((time.perf_counter() - started) * 1000, 3)


def log_unhandled_error(message: str) -> None:
    """Log the exception being handled; if logging itself fails, still leave a trace."""
    try:
        logger.exception(message)
    except Exception as failure:
        _last_resort_log(message, failure, traceback.format_exc())


def _last_resort_log(message: str, failure: Exception, detail: object) -> None:
    """One JSON line on stderr (CloudWatch keeps it) when the logger or metrics broke."""
    line = {
        "level": "ERROR",
        "service": SERVICE,
        "message": message,
        "observability_failure": repr(failure),
        "detail": detail,
        **{key: logger.thread_safe_get_current_keys().get(key) for key in REQUEST_LOG_KEYS},
    }
    print(json.dumps(line, default=str), file=sys.stderr, flush=True)


def _record(summary: Mapping[str, object]) -> None:
    """The summary line and the metrics. Never raises: the response is already on its way."""
    try:
        logger.info("request", extra=dict(summary))
        emit_request_metrics(summary)
    except Exception as failure:
        _last_resort_log("request summary or metrics failed", failure, summary)


class ObservabilityMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        with request_cold_start() as cold_start:
            state = RequestState(request_id=request_id_for(scope), cold_start=cold_start)
            attach(scope.setdefault("state", {}), state)
            await self._observed(state, scope, receive, send)

    async def _observed(
        self, state: RequestState, scope: Scope, receive: Receive, send: Send
    ) -> None:
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", state.request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        # Context-variable keys: this task's log lines, and the model thread's work for it
        # (model_thread.py copies the context), carry this request's ID and no other's.
        logger.thread_safe_append_keys(request_id=state.request_id, cold_start=state.cold_start)
        try:
            await self.inner(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            summary = {
                "method": scope.get("method"),
                "route": getattr(route, "path", "unmatched"),
                "status": status,
                "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                "cold_start": state.cold_start,
                **state.details,
            }
            _record(summary)
            logger.thread_safe_remove_keys(REQUEST_LOG_KEYS)
