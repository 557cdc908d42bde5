"""S3 and DynamoDB failures injected with botocore's Stubber: documented 4xx/503, never a 500."""

from __future__ import annotations

import logging

import pytest
from aws_fixtures import BUCKET, aws, s3_app
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber
from test_api import assert_error

from function.aws import clients

KEY = "uploads/stubbed-key"
__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest


@pytest.fixture
def stubbed_s3(s3_app):
    s3 = clients.client("s3")
    with Stubber(s3) as stubber:
        yield stubber


@pytest.mark.parametrize(
    ("code", "http_status"),
    [
        ("SlowDown", 503),  # S3's throttling
        ("ThrottlingException", 400),
        ("AccessDenied", 403),
        ("InvalidAccessKeyId", 403),
        ("ExpiredToken", 400),
        ("RequestTimeout", 400),  # S3's own "socket not read from in time"
        ("InternalError", 500),
    ],
)
def test_s3_failures_are_503_with_the_cause_logged(client, stubbed_s3, caplog, code, http_status):
    stubbed_s3.add_client_error("head_object", code, http_status_code=http_status)
    with caplog.at_level(logging.WARNING):
        response = client.post("/classify", json={"s3_key": KEY})
    assert_error(response, 503, "storage_unavailable")
    assert any(
        code in record.getMessage() or code in str(record.__dict__) for record in caplog.records
    )


def test_a_404_from_head_is_object_not_found(client, stubbed_s3) -> None:
    stubbed_s3.add_client_error("head_object", "404", http_status_code=404)
    assert_error(client.post("/classify", json={"s3_key": KEY}), 404, "object_not_found")


def test_object_growing_between_head_and_get_is_still_413(client, stubbed_s3, model_dir) -> None:
    """The bounded read catches an object replaced by a bigger one after the HEAD."""
    import io

    from botocore.response import StreamingBody

    from function.api.dependencies import current_settings
    from function.shared.settings import Settings

    settings = Settings(model_dir=model_dir, images_bucket=BUCKET, max_upload_bytes=100)
    client.app.dependency_overrides[current_settings] = lambda: settings
    stubbed_s3.add_response("head_object", {"ContentLength": 50})
    big = b"x" * 500
    stubbed_s3.add_response("get_object", {"Body": StreamingBody(io.BytesIO(big), len(big))})
    assert_error(client.post("/classify", json={"s3_key": KEY}), 413, "payload_too_large")


def test_a_network_time_out_is_503(client, s3_app, monkeypatch) -> None:
    monkeypatch.setattr(clients, "MAX_ATTEMPTS", 1)  # no back-off sleeps in the test
    clients.reset()

    def time_out(**_):
        raise ReadTimeoutError(endpoint_url="https://s3.amazonaws.com")

    clients.client("s3").meta.events.register("before-send.s3.HeadObject", time_out)
    assert_error(client.post("/classify", json={"s3_key": KEY}), 503, "storage_unavailable")


def test_signing_without_credentials_is_503(client, s3_app, monkeypatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    clients.reset()
    assert_error(client.post("/uploads"), 503, "storage_unavailable")


def test_batch_by_key_isolates_a_failing_object(client, stubbed_s3) -> None:
    stubbed_s3.add_client_error("head_object", "SlowDown", http_status_code=503)
    stubbed_s3.add_client_error("head_object", "404", http_status_code=404)
    response = client.post("/classify/batch", json={"s3_keys": [KEY, KEY + "2"]})
    assert response.status_code == 200, response.text
    codes = sorted(entry["error"]["code"] for entry in response.json()["results"])
    assert codes == ["object_not_found", "storage_unavailable"]
