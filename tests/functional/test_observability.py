"""Request IDs, structured log lines and EMF metrics, through TestClient and the Lambda handler."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from photos import photo_bytes

from function.inference.preprocess import IMAGENET
from function.shared.metrics import NAMESPACE
from function.shared.observability import logger

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
    client.get("/health")  # whichever test runs first, this request is not the cold start
    response = client.post("/classify", content=JPEG, headers=headers)
    assert response.status_code == 200
    (summary,) = [line for line in log_lines() if line.get("route") == "/classify"]
    assert summary["request_id"] == response.headers["x-request-id"]
    assert summary["route"] == "/classify"
    assert summary["method"] == "POST"
    assert summary["status"] == 200
    assert summary["cold_start"] is False
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


class BrokenModel:
    """A model whose inference raises: the route gets as far as the model, then fails."""

    num_classes = 1000
    preprocessing = IMAGENET
    version, labels = "broken", []  # the content cache reads both

    def predict(self, *args, **kwargs):
        raise RuntimeError("boom")

    probabilities = predict  # what /classify calls since the content cache


def test_unhandled_error_is_logged_with_its_request_id(client: TestClient, log_lines) -> None:
    from function.api.dependencies import current_model

    client.app.dependency_overrides[current_model] = BrokenModel
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


def test_a_failing_logger_still_answers_in_the_json_error_shape(
    client: TestClient, monkeypatch, capsys
) -> None:
    from function.api.dependencies import current_model

    def broken_logging(*args, **kwargs):
        raise OSError("log stream gone")

    client.app.dependency_overrides[current_model] = BrokenModel
    monkeypatch.setattr(logger, "exception", broken_logging)
    monkeypatch.setattr(logger, "info", broken_logging)
    response = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert response.json()["error"]["request_id"] == response.headers["x-request-id"]
    # The failure is still on record: one JSON line on stderr, with the request's ID.
    fallback = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "{" in line]
    assert {line["request_id"] for line in fallback} == {response.headers["x-request-id"]}
    assert any("RuntimeError" in line["detail"] for line in fallback)


def test_a_failing_metrics_flush_never_reaches_the_client_or_the_server(
    handler_module, monkeypatch, capsys
) -> None:
    """Under uvicorn an exception escaping the app after the response is a server error log
    and, before it, a plain-text 500; the app must swallow it after recording it."""
    from function.shared import observability

    def broken(summary):
        raise ValueError("metric value is not a number")

    monkeypatch.setattr(observability, "emit_request_metrics", broken)
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health",
        "raw_path": b"/health",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"x-request-id", b"metrics-broke")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(handler_module.app(scope, receive, send))  # must not raise
    finally:
        loop.close()
    assert sent[0]["status"] == 200
    (fallback,) = [json.loads(x) for x in capsys.readouterr().err.splitlines() if "{" in x]
    assert fallback["request_id"] == "metrics-broke"
    assert "metric value is not a number" in fallback["observability_failure"]
