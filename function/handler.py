"""AWS Lambda entry point: `function.handler.handler` (the Dockerfile CMD).

Importing this module is Lambda's init phase, which runs with full CPU before any request,
so the model is loaded and warmed here, once per execution environment. Mangum's lifespan
is off because Mangum would run it on every invocation. With SnapStart, this init runs once
per published version and function.snapstart's hooks adapt each restored copy.
"""

from mangum import Mangum

from function import snapstart
from function.api.app import app
from function.inference.classifier import get_classifier
from function.shared.observability import logger, tracer

get_classifier().warm_up()
snapstart.register()

asgi_handler = Mangum(app, lifespan="off")


@logger.inject_lambda_context(clear_state=True)  # never log_event: it holds image and API key
def handler(event: dict, context: object) -> dict:
    return asgi_handler(event, context)


if tracer is not None:  # Tracing=true: a "## handler" segment with cold-start annotations
    handler = tracer.capture_lambda_handler(handler, capture_response=False)


__all__ = ["app", "handler"]
