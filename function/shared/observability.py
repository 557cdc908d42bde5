"""Request IDs, structured logs, EMF metrics and X-Ray subsegments (Powertools for AWS Lambda).

One ASGI middleware gives every request an ID, puts it in every log line and the
`x-request-id` response header, and writes one summary log line plus one set of metrics
when the response is done. Locally (POWERTOOLS_DEV=true, as `make run` sets) logs are
pretty-printed and metrics are off; no AWS credentials are needed either way, because EMF
metrics are log lines, not API calls.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

if TYPE_CHECKING:  # annotations only: the SQS worker imports this module without Starlette
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

SERVICE = "image-classifier"
NAMESPACE = "ImageClassifier"
# Echo a caller's ID only if it is short and plain: it lands in logs and response headers.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")

CACHE_METRICS = {
    "cache_hits": "CacheHits",
    "cache_misses": "CacheMisses",
    "cache_errors": "CacheErrors",
}

logger = Logger(service=SERVICE)
_cold_start = True


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
            candidate = value.decode("latin-1")
            if REQUEST_ID_PATTERN.fullmatch(candidate):
                return candidate
    context = (scope.get("aws.event") or {}).get("requestContext") or {}
    return str(context.get("requestId") or uuid.uuid4())


@contextmanager
def stage(timings: dict[str, float], name: str) -> Iterator[None]:
    """Time one step of a request into timings[f"{name}_ms"], with an X-Ray subsegment."""
    started = time.perf_counter()
    if tracer is None:
        yield
    else:
        with tracer.provider.in_subsegment(f"## {name}"):
            yield
    timings[f"{name}_ms"] = round((time.perf_counter() - started) * 1000, 3)


def _emit_metrics(summary: dict[str, Any]) -> None:
    request_metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    request_metrics.add_dimension("route", summary["route"])
    request_metrics.add_dimension("status_class", f"{summary['status'] // 100}xx")
    request_metrics.add_metric("Requests", MetricUnit.Count, 1)
    request_metrics.add_metric("Latency", MetricUnit.Milliseconds, summary["latency_ms"])
    if "inference_ms" in summary:
        request_metrics.add_metric(
            "InferenceLatency", MetricUnit.Milliseconds, summary["inference_ms"]
        )
    if "image_megapixels" in summary:
        request_metrics.add_metric("ImageMegapixels", MetricUnit.Count, summary["image_megapixels"])
    if summary["cold_start"]:
        request_metrics.add_metric("ColdStart", MetricUnit.Count, 1)
    # The content cache (function/cache/): per request, how many images it answered.
    for field, metric in CACHE_METRICS.items():
        if summary.get(field):
            request_metrics.add_metric(metric, MetricUnit.Count, summary[field])
    request_metrics.flush_metrics()
    if "error_code" in summary:
        # Mangum turns crashes into 500 responses, so Lambda's own Errors metric stays at zero.
        error_metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        error_metrics.add_dimension("error_code", summary["error_code"])
        error_metrics.add_metric("Errors", MetricUnit.Count, 1)
        error_metrics.flush_metrics()


class ObservabilityMiddleware:
    def __init__(self, inner: ASGIApp) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        global _cold_start
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        request_id = request_id_for(scope)
        cold_start, _cold_start = _cold_start, False
        # Routes add decode/preprocess/inference timings, image size and error code here.
        details: dict[str, Any] = {}
        scope.setdefault("state", {}).update(request_id=request_id, details=details)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        with logger.append_context_keys(request_id=request_id, cold_start=cold_start):
            try:
                await self.inner(scope, receive, send_with_id)
            finally:
                route = scope.get("route")
                summary = {
                    "method": scope.get("method"),
                    "route": getattr(route, "path", "unmatched"),
                    "status": status,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 3),
                    "cold_start": cold_start,
                    **details,
                }
                logger.info("request", extra=summary)
                _emit_metrics(summary)
