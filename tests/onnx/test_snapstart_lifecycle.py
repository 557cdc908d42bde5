"""The handler's init, Lambda's snapshot and a restore, in one fresh process per format:
the hooks find the model warm, nothing from before the snapshot shows up in a request."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from probes import probe_json, run_python

REPO = Path(__file__).resolve().parents[2]
EVENT = REPO / "events" / "classify-rest-multipart.json"

# A stand-in snapshot_restore_py, installed before an entry point's import registers the hooks.
STAND_IN = """
import json, sys, types
library = types.ModuleType("snapshot_restore_py")
library.before, library.after = [], []
library.register_before_snapshot = lambda f, *a, **k: library.before.append(f) or f
library.register_after_restore = lambda f, *a, **k: library.after.append(f) or f
sys.modules["snapshot_restore_py"] = library
"""
PROBE = (
    STAND_IN
    + """
from types import SimpleNamespace

import function.handler
from function.inference.classifier import get_classifier
from function.shared import cold_start, observability

for hook in reversed(library.before):
    hook()
at_snapshot = {
    "hooks": [len(library.before), len(library.after)],
    "warmed_up": get_classifier().warmed_up,
    "cold_start": not cold_start._served_a_request,
    "logger_keys": sorted(observability.logger.get_current_keys()),
}
print("--- snapshot ---", flush=True)
for hook in library.after:
    hook()
context = SimpleNamespace(function_name="f", function_version="1", memory_limit_in_mb=3008,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
    aws_request_id="restored-1")
event = json.load(open(sys.argv[1]))
response = function.handler.handler(event, context)
print(json.dumps({"at_snapshot": at_snapshot, "threads": get_classifier().backend.threads,
                  "response": response}))
"""
)


@pytest.fixture(params=["onnx", "torchscript"])
def format_model_dir(request: pytest.FixtureRequest) -> Path:
    if request.param == "torchscript":
        pytest.importorskip("torch")
        return request.getfixturevalue("model_dir")
    return request.getfixturevalue("onnx_model_dir")


def test_snapshot_then_restore_serves_clean_requests(format_model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(format_model_dir), "TORCH_THREADS": "1"}
    env.pop("POWERTOOLS_DEV", None)
    result = run_python(PROBE, env, str(EVENT))
    before, _, after = result.stdout.partition("--- snapshot ---")
    assert '"message":"request"' not in before, "warm-up must not look like a request"
    report = json.loads(after.strip().splitlines()[-1])
    snapshot = report["at_snapshot"]
    assert snapshot["hooks"] == [1, 1]
    assert snapshot["warmed_up"] is True
    # The first request of every restored environment is its cold start, as without SnapStart.
    assert snapshot["cold_start"] is True
    assert not {"request_id", "cold_start", "function_request_id"} & set(snapshot["logger_keys"])
    assert report["threads"] == 1  # set by the after-restore hook from TORCH_THREADS
    response = report["response"]
    assert response["statusCode"] == 200
    event = json.loads(EVENT.read_text())
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["x-request-id"] == event["requestContext"]["requestId"]
    request_logs = [line for line in after.splitlines() if '"message":"request"' in line]
    assert len(request_logs) == 1
    assert json.loads(request_logs[0])["cold_start"] is True


# The worker's init registers the same hooks (SnapStart=true applies to both functions).
WORKER_PROBE = (
    STAND_IN
    + """
import function.worker
from function.inference.classifier import get_classifier
for hook in reversed(library.before):
    hook()
for hook in library.after:
    hook()
print(json.dumps({"hooks": [len(library.before), len(library.after)],
                  "warmed_up": get_classifier().warmed_up,
                  "threads": get_classifier().backend.threads}))
"""
)


def test_the_worker_registers_the_same_hooks(format_model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(format_model_dir), "TORCH_THREADS": "1"}
    report = probe_json(WORKER_PROBE, env)
    assert report == {"hooks": [1, 1], "warmed_up": True, "threads": 1}
