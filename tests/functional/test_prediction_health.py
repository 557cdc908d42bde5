"""Prediction health through the API: a classified image's top-1 probability reaches the
request's summary line and the EMF metrics, with the configured confidence floor."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from photos import photo_bytes

from function.shared import metrics
from function.shared.settings import get_settings

JPEG = photo_bytes("chelsea")


def emf_documents(captured: str) -> list[dict]:
    documents = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


def as_list(value: object) -> list:
    """EMF holds one value as a number and several as a list."""
    return value if isinstance(value, list) else [value]


def test_classify_emits_the_answers_top1_probability(
    client: TestClient, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    response = client.post(
        "/classify?top_k=1", content=JPEG, headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 200
    top1 = response.json()["predictions"][0]["probability"]
    (health,) = [d for d in emf_documents(capsys.readouterr().out) if metrics.SCORED_ANSWERS in d]
    [emitted] = as_list(health[metrics.TOP1_PROBABILITY])
    assert abs(emitted - top1) < 1e-3
    low = 1 if top1 < get_settings().confidence_floor else 0
    assert as_list(health[metrics.LOW_CONFIDENCE_ANSWERS]) == [low]


def test_a_refused_image_is_not_an_answer(client: TestClient, capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    response = client.post(
        "/classify", content=b"not an image", headers={"content-type": "image/jpeg"}
    )
    assert response.status_code >= 400
    emitted = emf_documents(capsys.readouterr().out)
    assert emitted
    assert not [d for d in emitted if metrics.SCORED_ANSWERS in d]


def test_the_floor_is_a_setting(monkeypatch) -> None:
    monkeypatch.setenv("CONFIDENCE_FLOOR", "0.35")
    get_settings.cache_clear()
    try:
        assert get_settings().confidence_floor == 0.35
    finally:
        get_settings.cache_clear()
