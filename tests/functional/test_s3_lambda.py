"""The S3 flow through the Lambda handler with REST events, against moto's S3 and DynamoDB."""

from __future__ import annotations

import base64
import json

from aws_fixtures import BUCKET, aws, s3_app, upload_through_presigned_post
from make_events import SAMPLE_S3_KEY, rest_event, small_cat_jpeg
from test_lambda_handler import invoke

__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest


def call(handler_module, lambda_context, event: dict) -> tuple[dict, dict]:
    response = handler_module.handler(event, lambda_context)
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return response, json.loads(body)


def test_upload_presigned_post_then_classify_by_key(handler_module, lambda_context, s3_app):
    response, grant = call(
        handler_module, lambda_context, rest_event("POST", "/uploads", {"Host": "x"}, None)
    )
    assert response["statusCode"] == 201, grant
    jpeg = small_cat_jpeg()
    assert upload_through_presigned_post(grant["upload"], jpeg).status_code == 204
    body = json.dumps({"s3_key": grant["key"]}).encode()
    headers = {"Content-Type": "application/json"}
    event = rest_event("POST", "/classify", headers, body, {"top_k": "3"}, binary=False)
    response, by_key = call(handler_module, lambda_context, event)
    assert response["statusCode"] == 200, by_key
    assert response["headers"]["x-cache"] == "miss"
    raw = rest_event("POST", "/classify", {"Content-Type": "image/jpeg"}, jpeg, {"top_k": "3"})
    response, direct = call(handler_module, lambda_context, raw)
    assert direct == by_key
    assert response["headers"]["x-cache"] == "hit"  # same bytes, same model: DynamoDB has it


def test_sample_events_against_s3(handler_module, lambda_context, s3_app) -> None:
    s3_app.s3.put_object(Bucket=BUCKET, Key=SAMPLE_S3_KEY, Body=small_cat_jpeg())
    response, body = invoke(handler_module, lambda_context, "classify-rest-s3-key.json")
    assert response["statusCode"] == 200, body
    assert len(body["predictions"]) == 3
    response, body = invoke(handler_module, lambda_context, "classify-batch-rest-s3-keys.json")
    assert response["statusCode"] == 200, body
    first, second = body["results"]
    assert first["s3_key"] == SAMPLE_S3_KEY
    assert len(first["predictions"]) == 5
    assert second["error"]["code"] == "object_not_found"
    response, body = invoke(handler_module, lambda_context, "uploads-rest.json")
    assert response["statusCode"] == 201
    assert body["key"].startswith("uploads/")
