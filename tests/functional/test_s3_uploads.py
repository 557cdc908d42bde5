"""POST /uploads and POST /classify by S3 key, against moto's S3 (tests/aws_fixtures.py)."""

from __future__ import annotations

import pytest
from aws_fixtures import BUCKET, aws, policy_of, s3_app, upload_through_presigned_post
from fastapi.testclient import TestClient
from photos import photo_bytes
from test_api import assert_error

from function.api.dependencies import current_settings
from function.shared.settings import Settings

JPEG = photo_bytes("chelsea")
KEY = "x" * 8  # a name used below for keys that were never uploaded
__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest


def new_upload(client: TestClient, **params) -> dict:
    response = client.post("/uploads", params=params)
    assert response.status_code == 201, response.text
    return response.json()


def uploaded(client: TestClient, data: bytes = JPEG) -> str:
    grant = new_upload(client)
    assert upload_through_presigned_post(grant["upload"], data).status_code == 204
    return grant["key"]


def test_upload_then_classify_by_key_answers_like_a_direct_upload(client, s3_app) -> None:
    key = uploaded(client)
    by_key = client.post("/classify", json={"s3_key": key}, params={"top_k": 7})
    direct = client.post(
        "/classify", content=JPEG, headers={"content-type": "image/jpeg"}, params={"top_k": 7}
    )
    assert by_key.status_code == direct.status_code == 200, by_key.text
    assert by_key.json() == direct.json()
    assert len(by_key.json()["predictions"]) == 7


def test_upload_grant_shape_and_random_server_chosen_keys(client, s3_app) -> None:
    first, second = new_upload(client), new_upload(client)
    assert set(first) == {"key", "upload", "expires_in", "max_bytes"}
    assert first["expires_in"] == 300
    assert first["max_bytes"] == 25_000_000
    assert first["key"].startswith("uploads/")
    assert first["key"] != second["key"]
    assert len(first["key"]) - len("uploads/") >= 32  # 24 random bytes, URL-safe base64
    assert BUCKET in first["upload"]["url"]
    assert first["upload"]["fields"]["key"] == first["key"]


def test_presigned_policy_enforces_size_type_and_key(client, s3_app) -> None:
    grant = new_upload(client, content_type="image/png")
    conditions = policy_of(grant["upload"])["conditions"]
    assert ["content-length-range", 1, 25_000_000] in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert {"key": grant["key"]} in conditions
    assert {"bucket": BUCKET} in conditions
    assert grant["upload"]["fields"]["Content-Type"] == "image/png"


def test_max_upload_bytes_reaches_the_policy(client, s3_app, model_dir) -> None:
    settings = Settings(model_dir=model_dir, images_bucket=BUCKET, max_upload_bytes=1234)
    client.app.dependency_overrides[current_settings] = lambda: settings
    grant = new_upload(client)
    assert grant["max_bytes"] == 1234
    assert ["content-length-range", 1, 1234] in policy_of(grant["upload"])["conditions"]


@pytest.mark.parametrize("content_type", ["text/html", "image/", "image/png; x=1", "*/*"])
def test_upload_content_type_must_be_an_image_type(client, s3_app, content_type) -> None:
    assert_error(
        client.post("/uploads", params={"content_type": content_type}), 422, "invalid_parameter"
    )


@pytest.mark.parametrize(
    "key",
    [
        "other/abc",
        "uploads/",
        "uploads/../secret",
        "uploads//abc",
        "/uploads/abc",
        "uploads/a b",
        "uploads/" + "a" * 1100,
        "",
    ],
)
def test_keys_outside_the_upload_prefix_are_refused(client, s3_app, key) -> None:
    assert_error(client.post("/classify", json={"s3_key": key}), 400, "invalid_s3_key")


def test_missing_object_is_404(client, s3_app) -> None:
    response = client.post("/classify", json={"s3_key": f"uploads/{KEY}"})
    assert_error(response, 404, "object_not_found")


def test_object_over_the_limit_is_413_without_reading_it(client, s3_app, model_dir) -> None:
    key = uploaded(client)
    settings = Settings(model_dir=model_dir, images_bucket=BUCKET, max_upload_bytes=1000)
    client.app.dependency_overrides[current_settings] = lambda: settings
    assert_error(client.post("/classify", json={"s3_key": key}), 413, "payload_too_large")


def test_not_an_image_in_s3_is_the_same_error_as_uploaded(client, s3_app) -> None:
    s3_app.s3.put_object(Bucket=BUCKET, Key="uploads/text", Body=b"hello, not an image")
    response = client.post("/classify", json={"s3_key": "uploads/text"})
    assert_error(response, 415, "unsupported_image_format")


def test_empty_object_is_400(client, s3_app) -> None:
    s3_app.s3.put_object(Bucket=BUCKET, Key="uploads/empty", Body=b"")
    assert_error(client.post("/classify", json={"s3_key": "uploads/empty"}), 400, "empty_body")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b'{"s3_key": "uploads/a", "bucket": "other"}', 422, "invalid_parameter"),
        (b'{"s3_key": 42}', 422, "invalid_parameter"),
        (b"{}", 422, "invalid_parameter"),
        (b'["uploads/a"]', 422, "invalid_parameter"),
    ],
)
def test_bad_json_bodies(client, s3_app, body, status, code) -> None:
    response = client.post("/classify", content=body, headers={"content-type": "application/json"})
    assert_error(response, status, code)


def test_without_a_bucket_s3_routes_answer_501_and_say_what_to_set(client) -> None:
    for response in (
        client.post("/uploads"),
        client.post("/classify", json={"s3_key": "uploads/abc"}),
        client.post("/classify/batch", json={"s3_keys": ["uploads/abc"]}),
    ):
        assert_error(response, 501, "s3_not_configured")
        assert "IMAGES_BUCKET" in response.json()["error"]["message"]
    direct = client.post("/classify", content=JPEG, headers={"content-type": "image/jpeg"})
    assert direct.status_code == 200
