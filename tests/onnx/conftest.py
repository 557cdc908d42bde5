"""The ONNX-format tests: they need no torch, so `make test` also runs them on Python 3.12+
in a virtualenv with requirements-onnx.txt only (pytest --confcutdir=tests/onnx), against a
model built beforehand by the main virtualenv and named by ONNX_MODEL_DIR. In the main
virtualenv, without ONNX_MODEL_DIR, the real export builds the model here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def onnx_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if given := os.environ.get("ONNX_MODEL_DIR"):
        return Path(given)
    from modelbuild.export import default_backend, export

    out = tmp_path_factory.mktemp("onnx-model")
    export(out, "random", default_backend(), None, seed=0, model_format="onnx")
    return out
