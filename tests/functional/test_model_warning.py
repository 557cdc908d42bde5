"""Answers from random weights say so in the body and a header; real weights carry no warning."""

from __future__ import annotations

from fastapi.testclient import TestClient
from photos import photo_bytes

from function.api.dependencies import current_model
from function.api.model_warning import FALLBACK, HEADER, model_warning
from function.inference.classifier import Classifier, get_classifier

JPEG = photo_bytes("chelsea")


def classify(client: TestClient):
    return client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})


def with_metadata(**changes) -> Classifier:
    model = get_classifier()
    return Classifier(model.backend, model.labels, {**model.metadata, **changes})


def test_random_weights_are_flagged_in_body_and_header(client: TestClient) -> None:
    assert get_classifier().metadata["weights"] == "random"  # the test model
    response = classify(client)
    assert response.status_code == 200
    body = response.json()
    assert body["production_ready"] is False
    assert "NOT FOR PRODUCTION" in body["warning"]
    assert response.headers[HEADER] == body["warning"]


def test_production_weights_carry_no_warning(client: TestClient) -> None:
    real = with_metadata(weights="imagenet", production_ready=True, warning=None)
    client.app.dependency_overrides[current_model] = lambda: real
    response = classify(client)
    assert response.status_code == 200
    assert response.json()["production_ready"] is True
    assert response.json()["warning"] is None
    assert HEADER not in response.headers


def test_metadata_without_a_verdict_counts_as_unfit() -> None:
    model = with_metadata()
    del model.metadata["production_ready"]
    model.metadata["warning"] = None
    assert model_warning(model).production_ready is False
    assert model_warning(model).warning == FALLBACK


def test_a_non_ascii_warning_still_makes_a_valid_header(client: TestClient) -> None:
    odd = with_metadata(production_ready=False, warning="poids aléatoires \u2013 inutilisable")
    client.app.dependency_overrides[current_model] = lambda: odd
    response = classify(client)
    assert response.json()["warning"] == "poids aléatoires \u2013 inutilisable"
    assert response.headers[HEADER] == "poids al?atoires ? inutilisable"
