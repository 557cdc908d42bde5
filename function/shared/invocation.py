"""One Lambda invocation, for either entry point (the API and the SQS worker).

Every log line of the invocation carries the Lambda context's keys and the one cold-start
flag (function/shared/cold_start.py), and with tracing on a "## handler" X-Ray subsegment
carries the same flag. Keys live in a copy of the context, so they end with the invocation.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging.lambda_context import build_lambda_context_model

from function.shared.cold_start import request_cold_start
from function.shared.metrics import SERVICE
from function.shared.observability import logger, tracer

Work = Callable[[dict[str, Any], Any], dict[str, Any]]


def run_invocation(work: Work, event: dict[str, Any], context: Any) -> dict[str, Any]:
    return contextvars.copy_context().run(_invoke, work, event, context)


def _invoke(work: Work, event: dict[str, Any], context: Any) -> dict[str, Any]:
    # Never log the event: an API event holds the image and the API key.
    logger.thread_safe_append_keys(**vars(build_lambda_context_model(context)))
    with request_cold_start() as cold_start:
        logger.thread_safe_append_keys(cold_start=cold_start)
        if tracer is None:
            return work(event, context)
        with tracer.provider.in_subsegment("## handler") as subsegment:
            subsegment.put_annotation("ColdStart", cold_start)
            subsegment.put_annotation("Service", SERVICE)
            return work(event, context)
