"""AWS Lambda entry point of WorkerFunction: `function.worker.handler`.

The same image as the API, started with ImageConfig.Command set to this handler. It imports
no web framework (no FastAPI, Starlette routing, Mangum) and no torchvision: only what
classifying a batch from SQS needs. Like the API, it loads and warms the model during init,
and each invocation is logged and traced the same way (function/shared/invocation.py).
"""

from __future__ import annotations

from typing import Any

from function import snapstart
from function.cache.content import get_worker_cache
from function.inference.classifier import get_classifier
from function.jobs.worker_batch import handle
from function.shared.invocation import run_invocation
from function.shared.settings import get_settings

get_classifier().warm_up()
snapstart.register()  # as in function.handler: SnapStart=true applies to both functions


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_invocation(_handle_batch, event, context)


def _handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle(event, context, get_classifier(), get_settings(), get_worker_cache())
