from __future__ import annotations

import pytest
from pydantic import ValidationError

from function.shared.settings import DEFAULT_MAX_IMAGE_BYTES, Settings


def test_defaults_fit_lambdas_payload_limit() -> None:
    settings = Settings()
    # 6 MB synchronous payload, base64 (x4/3), minus room for the event envelope.
    assert settings.max_image_bytes == DEFAULT_MAX_IMAGE_BYTES
    assert settings.max_image_bytes * 4 / 3 < 6 * 1024 * 1024 * 0.96
    assert settings.max_image_pixels == 40_000_000


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_IMAGE_BYTES", "1000")
    monkeypatch.setenv("ALLOWED_FORMATS", " jpeg, png ,")
    settings = Settings()
    assert settings.max_image_bytes == 1000
    assert settings.allowed_formats == ("JPEG", "PNG")


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_IMAGE_BYTES", "0"), ("MAX_IMAGE_PIXELS", "-1"), ("ALLOWED_FORMATS", " , ")],
)
def test_invalid_values_fail_at_startup(monkeypatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
