"""Shared fixtures: one random-weights model per test session, built by the real export."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from lambda_context import make_lambda_context

# Before any import of function/: a developer's `.env` must not change what the tests check
# (subprocesses that the tests start inherit this too).
os.environ["ENV_FILE"] = ""

from function.cache.content import get_content_cache
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
    # Most tests send the same photos again and again: with the content cache on, only the
    # first would be decoded. Cache tests install their own cache (tests/aws_fixtures.py).
    os.environ["CACHE_SIZE"] = "0"
    get_settings.cache_clear()
    get_content_cache.cache_clear()
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
    return make_lambda_context()


@pytest.fixture
def api_schema(handler_module):
    import schemathesis

    return schemathesis.openapi.from_asgi("/openapi.json", handler_module.app)
