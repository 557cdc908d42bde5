"""The FastAPI app: its middleware, its routes, and the mapping of every error to one JSON shape."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from function import __version__
from function.api.gateway_paths import GatewayPathMiddleware
from function.api.routes import batch, classify, health, jobs, page, results, uploads
from function.api.schemas.limits import document_limits
from function.inference.classifier import get_classifier
from function.shared import errors
from function.shared.observability import ObservabilityMiddleware, log_unhandled_error
from function.shared.request_state import request_state
from function.shared.settings import get_settings

HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}

app = FastAPI(
    title="Image classification API",
    version=__version__,
    description="Top-k classes for an image, from an int8-quantized ResNet: ImageNet's 1000 "
    "classes by default, or the classes of the model you built (GET /health shows which). "
    "Every response carries an `x-request-id` header; error bodies repeat it.",
)


def error_response(
    state: Mapping[str, object],
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one error shape. `state` is the request's ASGI state, filled by the middleware."""
    request = request_state(state)
    request.details["error_code"] = code
    error = {**(fields or {}), "code": code, "message": message, "request_id": request.request_id}
    return JSONResponse({"error": error}, status, headers)


@app.exception_handler(errors.ServiceError)
async def _service_error(request: Request, exc: errors.ServiceError) -> JSONResponse:
    state = request.scope["state"]
    return error_response(state, exc.status_code, exc.code, exc.message, fields=exc.fields)


@app.exception_handler(RequestValidationError)
async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("query", "body"))
    message = f"{where}: {first.get('msg')}"
    return error_response(request.scope["state"], 422, errors.InvalidParameter.code, message)


@app.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    state = request.scope["state"]
    return error_response(state, exc.status_code, code, str(exc.detail), exc.headers)


class InternalErrorMiddleware:
    """Turn any unexpected exception into a plain JSON 500 and one log line, never a traceback.

    FastAPI's own catch-all handler re-raises after responding, which under Mangum would log
    the error twice; this answers once and stops the exception here.
    """

    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.inner(scope, receive, tracking_send)
        except Exception:
            log_unhandled_error("unhandled error")
            if started:
                raise
            failure = errors.ServiceError()
            response = error_response(scope["state"], 500, failure.code, failure.message)
            await response(scope, receive, send)


CORS_REQUEST_HEADERS = [
    "content-type",
    "x-api-key",
    "x-request-id",
    "idempotency-key",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
]
# Outermost last: the request ID and summary log wrap everything, including the 500 above.
app.add_middleware(GatewayPathMiddleware)
app.add_middleware(InternalErrorMiddleware)
if cors_origins := get_settings().cors_allowed_origins:
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(cors_origins),
        allow_methods=["GET", "POST"],
        # Idempotency-Key: POST /jobs retries; Authorization and X-Amz-*: a Cognito token or a
        # SigV4 signature (AuthMode); the exposed headers are those a client reads.
        allow_headers=CORS_REQUEST_HEADERS,
        expose_headers=["x-request-id", "x-cache", "x-model-warning", "idempotent-replayed"],
    )
app.add_middleware(ObservabilityMiddleware)

app.include_router(classify.router)
app.include_router(batch.router)
app.include_router(uploads.router)
app.include_router(jobs.router)
app.include_router(results.router)
app.include_router(health.router)
app.include_router(page.router)
_fastapi_openapi = app.openapi


def _openapi_with_model_limits() -> dict[str, Any]:
    """FastAPI's schema (built once), plus this deployment's key prefixes and top_k maximum."""
    schema = copy.deepcopy(_fastapi_openapi())
    num_classes = None
    # Without a model /docs still works; the model's own error shows on /classify and /health.
    with contextlib.suppress(errors.ModelUnavailable):
        num_classes = get_classifier().num_classes
    document_limits(schema, get_settings(), num_classes)
    return schema


app.openapi = _openapi_with_model_limits  # type: ignore[method-assign]
