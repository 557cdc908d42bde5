"""AWS Lambda entry point: `function.handler.handler` (the Dockerfile CMD).

Importing this module is Lambda's init phase, which runs with full CPU before any request,
so the model is loaded and warmed here, once per execution environment. Mangum's lifespan
is off because Mangum would run it on every invocation. With SnapStart, this init runs once
per published version and function.snapstart's hooks adapt each restored copy.
"""

from __future__ import annotations

from typing import Any

from mangum import Mangum

from function import snapstart
from function.api.app import app
from function.inference.classifier import get_classifier
from function.shared.invocation import run_invocation

get_classifier().warm_up()
snapstart.register()

asgi_handler = Mangum(app, lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run_invocation(asgi_handler, event, context)


__all__ = ["app", "handler"]
