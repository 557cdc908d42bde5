"""One cold start, in a fresh interpreter: `python bench/cold_start_probe.py VARIANT EVENT`.

Prints time.monotonic() (system-wide on Linux, so comparable with the parent's clock) at
the end of each phase, as JSON. The phases follow what Lambda does: start the interpreter,
import, load the model, warm up (all in the init phase), then serve the first request.
VARIANT is `floor` (only `import torch`), `ours` (function.handler.handler, the Dockerfile
CMD), `sequential` (ours, each init step run alone), `tutorial` (bench/tutorial_app.py), or
`onnx` (the same handler with MODEL_DIR holding a MODEL_FORMAT=onnx model: no torch).
"""

import time

started = time.monotonic()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from lambda_context import CONTEXT  # noqa: E402

variant, event_path = sys.argv[1], sys.argv[2]
stamps = {"interpreter": started}


def mark(phase: str) -> None:
    stamps[phase] = time.monotonic()


if variant == "onnx":
    import onnxruntime  # noqa: F401

    mark("runtime_import")
else:
    import torch  # noqa: F401

    mark("runtime_import")

if variant == "tutorial":
    import fastapi  # noqa: F401
    import mangum
    import torchvision  # noqa: F401

    mark("other_imports")
    import tutorial_app

    mark("model_load")  # the tutorial builds its model at import and never warms up
    mark("warm_up")
    handler = tutorial_app.handler
elif variant in ("ours", "onnx"):
    # The Dockerfile CMD as Lambda's init runs it: imports, model load and warm-up.
    from function.handler import handler

    mark("init")
elif variant == "sequential":
    # The same steps one after another, to show what each costs.
    import mangum  # noqa: F401

    import function.api.app  # noqa: F401

    mark("other_imports")
    from function.inference.classifier import get_classifier

    model = get_classifier()
    mark("model_load")
    model.warm_up()
    mark("warm_up")
    from function.handler import handler

if variant != "floor":
    response = handler(json.loads(Path(event_path).read_text()), CONTEXT)
    assert response["statusCode"] == 200, response
    mark("first_request")
print(json.dumps(stamps))
