"""Inputs that the fuzzer (tests/fuzz/fuzz_decode.py) once turned into an undeclared exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from function.inference.decode import decode_image
from function.inference.preprocess import to_model_input
from function.shared.errors import ServiceError
from function.shared.settings import Settings

REGRESSIONS = sorted((Path(__file__).parents[1] / "fuzz" / "regressions").iterdir())
SETTINGS = Settings()


def test_there_are_regressions_to_replay() -> None:
    assert REGRESSIONS


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda path: path.name)
def test_only_declared_errors_escape(path: Path) -> None:
    try:
        image = decode_image(path.read_bytes(), SETTINGS.allowed_formats, SETTINGS.max_image_pixels)
    except ServiceError as exc:
        status = exc.status_code
    else:
        status = 200
        assert to_model_input(image).shape == (3, 224, 224)
    assert status == 200 or 400 <= status < 500
