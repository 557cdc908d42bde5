"""The hook is a small client: importing its entry point loads no model, engine or framework."""

from __future__ import annotations

import os

from probes import probe_json

PROBE = """
import json, sys
import function.pretraffic
handler = callable(function.pretraffic.handler)
print(json.dumps({"modules": sorted(sys.modules), "handler": handler}))
"""
HEAVY = ("torch", "torchvision", "onnxruntime", "fastapi", "starlette", "mangum", "PIL", "numpy")


def test_the_hook_imports_neither_torch_nor_the_web_framework() -> None:
    report = probe_json(PROBE, {**os.environ, "MODEL_DIR": "/nonexistent"})
    assert report["handler"]
    modules = set(report["modules"])
    assert "function.deploy.hook" in modules  # the probe did load the hook
    loaded = {m for m in modules if m.split(".")[0] in HEAVY or m.startswith("modelbuild")}
    assert loaded == set()
    assert "boto3" not in modules  # created on the first invocation, not at import
