"""AWS Lambda entry point of the pre-traffic hook: `function.pretraffic.handler`.

The same container image as the API, so the golden set it replays (MODEL_DIR/golden.json) is
the one built with the model being deployed. TARGET_FUNCTION_VERSION names the new version to check.
A small client: boto3 and the standard library, never torch or the web framework.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from function.deploy.clients import default_clients
from function.deploy.hook import TARGET_ENV, run_hook


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    model_dir = Path(os.environ.get("MODEL_DIR", "model"))
    target = os.environ.get(TARGET_ENV, "")
    return run_hook(event, context, default_clients(), model_dir, target)
