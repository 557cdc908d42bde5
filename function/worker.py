"""AWS Lambda entry point of WorkerFunction: `function.worker.handler`.

The same image as the API, started with ImageConfig.Command set to this handler. It imports
no web framework (no FastAPI, Starlette routing, Mangum) and no torchvision: only what
classifying a batch from SQS needs. Like the API, it loads and warms the model during init.
"""

from __future__ import annotations

from typing import Any

from function.cache.content import get_content_cache
from function.inference.classifier import get_classifier
from function.jobs.worker_batch import handle
from function.shared.observability import logger, tracer
from function.shared.settings import get_settings

get_classifier().warm_up()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context, get_classifier(), get_settings(), get_content_cache())


if tracer is not None:  # Tracing=true: a "## handler" segment with cold-start annotations
    handler = tracer.capture_lambda_handler(handler, capture_response=False)
