"""AWS Lambda entry point: `function.handler.handler` (the Dockerfile CMD).

Importing this module is Lambda's init phase, which runs with full CPU and is not billed
per request, so the model is loaded and warmed here, once per execution environment.
Mangum's lifespan is off because Mangum would run it on every invocation.
"""

from mangum import Mangum

from function.app import app
from function.model import get_classifier

get_classifier().warm_up()

handler = Mangum(app, lifespan="off")

__all__ = ["app", "handler"]
