"""Shared fixtures: one random-weights model per test session, built by the real export."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

# Before any import of function/: a developer's `.env` must not change what the tests check
# (subprocesses that the tests start inherit this too).
os.environ["ENV_FILE"] = ""

from function.inference.classifier import get_classifier
from function.shared.settings import get_settings
from modelbuild.export import default_backend, export

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory exactly as `make model WEIGHTS=random` writes it."""
    out = tmp_path_factory.mktemp("model")
    export(out, "random", default_backend(), None, seed=0)
    return out


@pytest.fixture(scope="session")
def handler_module(model_dir: Path):
    """function.handler imported the way Lambda's init phase does, against the test model."""
    os.environ["MODEL_DIR"] = str(model_dir)
    get_settings.cache_clear()
    get_classifier.cache_clear()
    if "function.handler" in sys.modules:  # imported before (mutmut's warm-up): init again
        return importlib.reload(sys.modules["function.handler"])
    return importlib.import_module("function.handler")


@pytest.fixture
def client(handler_module) -> TestClient:
    # raise_server_exceptions=False: see what a real client sees, not the test's traceback.
    with TestClient(handler_module.app, raise_server_exceptions=False) as test_client:
        yield test_client
    handler_module.app.dependency_overrides.clear()


@pytest.fixture
def lambda_context() -> SimpleNamespace:
    """The attributes of Lambda's context object that Mangum and Powertools read."""
    return SimpleNamespace(
        function_name="ClassifierFunction",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ClassifierFunction",
        memory_limit_in_mb=3008,
        aws_request_id="5f9a8d7e-0000-4000-8000-000000000001",
        log_group_name="/aws/lambda/ClassifierFunction",
        log_stream_name="2026/11/28/[$LATEST]abcdef",
        get_remaining_time_in_millis=lambda: 20_000,
    )


@pytest.fixture
def api_schema(handler_module):
    import schemathesis

    return schemathesis.openapi.from_asgi("/openapi.json", handler_module.app)
