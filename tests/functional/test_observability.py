"""Request IDs, structured log lines and EMF metrics, through TestClient and the Lambda handler."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from photos import photo_bytes

from function.shared.observability import NAMESPACE, logger

EVENTS = Path(__file__).resolve().parents[2] / "events"
JPEG = photo_bytes("chelsea")
API_KEY = "k3yTh4tMustNeverBeLogged0123456789abcdef"


@pytest.fixture
def log_lines():
    """The service's JSON log lines, as CloudWatch would receive them."""
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    logger.registered_handler.setStream(previous)


def emf_documents(captured: str) -> list[dict]:
    documents = [json.loads(line) for line in captured.splitlines() if line.startswith("{")]
    return [d for d in documents if "_aws" in d]


def summary_line(lines: list[dict]) -> dict:
    (summary,) = [line for line in lines if line["message"] == "request"]
    return summary


def test_a_good_request_logs_one_summary_with_timings(client: TestClient, log_lines) -> None:
    headers = {"content-type": "image/jpeg", "x-api-key": API_KEY}
    response = client.post("/classify", content=JPEG, headers=headers)
    assert response.status_code == 200
    summary = summary_line(log_lines())
    assert summary["request_id"] == response.headers["x-request-id"]
    assert summary["route"] == "/classify"
    assert summary["method"] == "POST"
    assert summary["status"] == 200
    assert summary["cold_start"] in (True, False)
    for stage in ("decode_ms", "preprocess_ms", "inference_ms", "latency_ms"):
        assert summary[stage] > 0
    assert summary["latency_ms"] >= summary["inference_ms"]
    assert (summary["image_width"], summary["image_height"]) == (451, 300)
    assert summary["image_format"] == "JPEG"
    assert summary["image_bytes"] == len(JPEG)
    assert summary["level"] == "INFO"
    assert summary["service"] == "image-classifier"


def test_logs_never_carry_the_api_key_or_image_bytes(client: TestClient, log_lines) -> None:
    headers = {"content-type": "image/jpeg", "x-api-key": API_KEY}
    client.post("/classify", content=JPEG, headers=headers)
    client.post("/classify", content=b"garbage", headers=headers)
    text = json.dumps(log_lines())
    assert API_KEY not in text
    assert base64.b64encode(JPEG[:60]).decode()[:40] not in text
    assert "garbage" not in text


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [
        ("trace-0123456789abcdef", True),
        ("a" * 128, True),
        ("a" * 129, False),  # too long
        ("bad id with spaces", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_incoming_request_id_is_validated(client: TestClient, sent: str, echoed: bool) -> None:
    response = client.get("/health", headers={"x-request-id": sent})
    returned = response.headers["x-request-id"]
    assert (returned == sent) is echoed
    assert 1 <= len(returned) <= 128


def test_request_id_is_in_error_bodies_and_log_lines(client: TestClient, log_lines) -> None:
    headers = {"x-request-id": "req-42", "content-type": "text/plain"}
    response = client.post("/classify", content=b"x", headers=headers)
    assert response.status_code == 415
    assert response.headers["x-request-id"] == "req-42"
    assert response.json()["error"]["request_id"] == "req-42"
    lines = log_lines()
    assert lines
    assert all(line["request_id"] == "req-42" for line in lines)
    assert summary_line(lines)["error_code"] == "unsupported_media_type"


def test_unhandled_error_is_logged_with_its_request_id(client: TestClient, log_lines) -> None:
    from function.api.dependencies import current_model

    class Broken:
        version, labels = "broken", []  # the content cache reads both

        def predict(self, *args, **kwargs):
            raise RuntimeError("boom")

        probabilities = predict  # what /classify calls since the content cache

    client.app.dependency_overrides[current_model] = Broken
    response = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    errors = [line for line in log_lines() if line["level"] == "ERROR"]
    assert errors[0]["request_id"] == request_id
    assert "RuntimeError" in errors[0]["exception"]


def test_metrics_are_emitted_as_emf(client: TestClient, capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    client.post("/classify", content=b"", headers={"content-type": "image/jpeg"})
    documents = emf_documents(capsys.readouterr().out)
    requests = [d for d in documents if "Requests" in d]
    assert [(d["route"], d["status_class"]) for d in requests] == [
        ("/classify", "2xx"),
        ("/classify", "4xx"),
    ]
    directive = requests[0]["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == NAMESPACE
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert {"Requests", "Latency", "InferenceLatency", "ImageMegapixels"} <= names
    (error,) = [d for d in documents if "Errors" in d]
    assert error["error_code"] == "empty_body"


def test_metrics_stay_off_in_local_dev_mode(client: TestClient, capsys, monkeypatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    client.get("/health")
    assert emf_documents(capsys.readouterr().out) == []


def lambda_event(name: str, **headers: str) -> dict:
    event = json.loads((EVENTS / name).read_text())
    event["headers"] = {**event["headers"], **headers}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def test_lambda_prefers_api_gateways_request_id(handler_module, lambda_context, log_lines) -> None:
    event = lambda_event("health-rest.json")
    response = handler_module.handler(event, lambda_context)
    gateway_id = event["requestContext"]["requestId"]
    assert response["headers"]["x-request-id"] == gateway_id
    summary = summary_line(log_lines())
    assert summary["request_id"] == gateway_id
    assert summary["function_request_id"] == lambda_context.aws_request_id
    assert summary["function_name"] == lambda_context.function_name


def test_lambda_echoes_a_valid_incoming_request_id(handler_module, lambda_context) -> None:
    event = lambda_event("bad-input-not-an-image.json", **{"x-request-id": "client-7"})
    response = handler_module.handler(event, lambda_context)
    assert response["statusCode"] == 415
    assert json.loads(response["body"])["error"]["request_id"] == "client-7"
