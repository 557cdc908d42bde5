from __future__ import annotations

import pytest
from pydantic import ValidationError

from function.shared.settings import Settings


def test_defaults_fit_lambdas_payload_limit() -> None:
    settings = Settings()
    # 6 MB synchronous payload, base64 (x4/3), minus room for the event envelope.
    assert settings.max_image_bytes == 4_500_000
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


def test_a_local_env_file_never_reaches_the_tests(tmp_path, monkeypatch) -> None:
    """conftest.py sets ENV_FILE empty, so a developer's .env cannot change what is tested."""
    (tmp_path / ".env").write_text("MAX_IMAGE_BYTES=1\nALLOWED_FORMATS=PNG\n")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.max_image_bytes == 4_500_000
    assert "JPEG" in settings.allowed_formats


def test_env_file_is_read_when_named(tmp_path) -> None:
    (tmp_path / "local.env").write_text("MAX_IMAGE_BYTES=77\n")
    assert Settings(_env_file=tmp_path / "local.env").max_image_bytes == 77
