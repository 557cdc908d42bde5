"""AWS Lambda entry point: `function.handler.handler` (the Dockerfile CMD).

Importing this module is Lambda's init phase, which runs with full CPU before any request,
so the model is loaded and warmed here, once per execution environment. Mangum's lifespan
is off because Mangum would run it on every invocation. With SnapStart, this init runs once
per published version and function.snapstart's hooks adapt each restored copy.
"""

from __future__ import annotations

import contextvars
from typing import Any

from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model
from mangum import Mangum

from function import snapstart
from function.api.app import app
from function.inference.classifier import get_classifier
from function.shared.cold_start import request_cold_start
from function.shared.metrics import SERVICE
from function.shared.observability import logger, tracer

get_classifier().warm_up()
snapstart.register()

asgi_handler = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # A fresh copy of the context per invocation: the keys added below end with it.
    return contextvars.copy_context().run(_invoke, event, context)


def _invoke(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Never log the event: it holds the image and the API key.
    logger.thread_safe_append_keys(**vars(build_lambda_context_model(context)))
    with request_cold_start() as cold_start:
        if tracer is None:
            return asgi_handler(event, context)
        # Tracing=true: a "## handler" subsegment annotated with the same cold start the
        # logs and metrics report.
        with tracer.provider.in_subsegment("## handler") as subsegment:
            subsegment.put_annotation("ColdStart", cold_start)
            subsegment.put_annotation("Service", SERVICE)
            return asgi_handler(event, context)


__all__ = ["app", "handler"]
