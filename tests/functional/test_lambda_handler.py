"""The Lambda entry point, driven by the same event files that `sam local invoke -e` uses."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from make_events import build_events, render

EVENTS = Path(__file__).resolve().parents[2] / "events"

# Every file in events/ and what the handler must answer; a new event must be added here.
EXPECTED = {
    "classify-rest-multipart.json": (200, None),
    "classify-rest-raw-jpeg.json": (200, None),
    "classify-http-api-v2.json": (200, None),
    "health-rest.json": (200, None),
    "bad-input-not-an-image.json": (415, "unsupported_image_format"),
    "bad-input-binary-as-text.json": (400, "body_not_binary"),
    # Without IMAGES_BUCKET; test_s3_lambda.py replays these against moto's S3.
    "uploads-rest.json": (501, "s3_not_configured"),
    "classify-rest-s3-key.json": (501, "s3_not_configured"),
    "classify-batch-rest-s3-keys.json": (501, "s3_not_configured"),
    "classify-batch-rest-multipart.json": (200, None),
}


def invoke(handler_module, lambda_context, name: str) -> tuple[dict, dict]:
    event = json.loads((EVENTS / name).read_text())
    response = handler_module.handler(event, lambda_context)
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return response, json.loads(body)


def test_every_event_file_has_an_expectation() -> None:
    # worker-*.json are SQS events for the worker: tests/functional/test_worker_events.py.
    api_events = [p.name for p in EVENTS.glob("*.json") if not p.name.startswith("worker-")]
    assert sorted(api_events) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event(handler_module, lambda_context, name: str) -> None:
    status, code = EXPECTED[name]
    response, body = invoke(handler_module, lambda_context, name)
    assert response["statusCode"] == status, body
    assert response["headers"]["content-type"] == "application/json"
    if code:
        assert body["error"]["code"] == code
    elif name.startswith("classify-batch"):
        assert [bool(entry.get("predictions")) for entry in body["results"]] == [True, False]
    elif name.startswith("classify"):
        top_k = json.loads((EVENTS / name).read_text()).get("queryStringParameters") or {}
        assert len(body["predictions"]) == int(top_k.get("top_k", 5))
        assert body["predictions"][0]["probability"] >= body["predictions"][-1]["probability"]


def test_rest_and_http_api_payloads_agree(handler_module, lambda_context) -> None:
    _, rest = invoke(handler_module, lambda_context, "classify-rest-multipart.json")
    _, http_api = invoke(handler_module, lambda_context, "classify-http-api-v2.json")
    assert http_api["predictions"] == rest["predictions"][:3]  # the v2 event asks for top_k=3


def test_committed_events_match_the_generator() -> None:
    """events/ is reproducible: `make events` regenerates these exact bytes."""
    for name, event in build_events().items():
        assert (EVENTS / name).read_text() == render(event), f"run `make events`: {name} drifted"
