"""The Lambda entry point, driven by the same event files that `sam local invoke -e` uses."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from make_events import build_events, http_api_event, render, small_cat_jpeg

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


def invoke_event(handler_module, lambda_context, event: dict) -> tuple[dict, dict]:
    response = handler_module.handler(event, lambda_context)
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return response, json.loads(body)


def test_http_api_unknown_route_is_a_404_in_our_shape(handler_module, lambda_context) -> None:
    event = http_api_event("GET", "/nowhere", {"Host": "localhost"}, b"")
    response, body = invoke_event(handler_module, lambda_context, event)
    assert response["statusCode"] == 404
    assert body["error"]["code"] == "not_found"


def test_http_api_wrong_method_is_a_405_in_our_shape(handler_module, lambda_context) -> None:
    event = http_api_event("DELETE", "/classify", {"Host": "localhost"}, b"")
    response, body = invoke_event(handler_module, lambda_context, event)
    assert response["statusCode"] == 405
    assert body["error"]["code"] == "method_not_allowed"


def test_http_api_request_id_comes_from_the_gateway(handler_module, lambda_context) -> None:
    event = http_api_event("GET", "/health", {"Host": "localhost"}, b"")
    event["requestContext"]["requestId"] = "v2-gateway-id"
    response, _ = invoke_event(handler_module, lambda_context, event)
    assert response["statusCode"] == 200
    assert response["headers"]["x-request-id"] == "v2-gateway-id"
    event["headers"]["x-request-id"] = "client-v2"
    response, _ = invoke_event(handler_module, lambda_context, event)
    assert response["headers"]["x-request-id"] == "client-v2"


def test_http_api_text_mangled_image_is_body_not_binary(handler_module, lambda_context) -> None:
    jpeg = small_cat_jpeg()
    event = http_api_event("POST", "/classify", {"Content-Type": "image/jpeg"}, b"")
    event["body"] = jpeg.decode("utf-8", errors="replace")  # what a text decoder leaves
    event["isBase64Encoded"] = False
    response, body = invoke_event(handler_module, lambda_context, event)
    assert response["statusCode"] == 400
    assert body["error"]["code"] == "body_not_binary"
