"""Every crafted upload in tests/hostile_corpus.py, through TestClient and the Lambda handler.

Each must get exactly its expected status and error code, and the service must stay healthy
afterwards: /health answers and a good photo still gets the same answer as before.
"""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient
from hostile_corpus import Case, all_cases
from make_events import multipart, rest_event
from photos import photo_bytes

CASES = all_cases()
REFERENCE = photo_bytes("coffee")


def check(status: int, body: dict, case: Case) -> None:
    assert status == case.status, body
    if case.status == 200:
        assert len(body["predictions"]) == 5
    else:
        assert set(body) == {"error"}
        assert body["error"]["code"] == case.code
        assert body["error"]["message"]


def post_raw(client: TestClient, data: bytes, content_type: str) -> tuple[int, dict]:
    response = client.post("/classify", content=data, headers={"content-type": content_type})
    return response.status_code, response.json()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_raw_body_through_testclient(client: TestClient, case: Case) -> None:
    check(*post_raw(client, case.data, case.content_type), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_multipart_through_the_lambda_handler(handler_module, lambda_context, case: Case) -> None:
    boundary = "----corpus"
    body = multipart("image", case.name, case.content_type, case.data).replace(
        b"----classifier-sample-boundary", boundary.encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    response = handler_module.handler(
        rest_event("POST", "/classify", headers, body), lambda_context
    )
    payload = response["body"]
    if response.get("isBase64Encoded"):
        payload = base64.b64decode(payload)
    check(response["statusCode"], json.loads(payload), case)


def test_service_stays_healthy_after_the_whole_corpus(client: TestClient) -> None:
    before = post_raw(client, REFERENCE, "image/jpeg")
    for case in CASES:
        post_raw(client, case.data, case.content_type)
    assert client.get("/health").status_code == 200
    assert post_raw(client, REFERENCE, "image/jpeg") == before


def test_a_text_mangled_raw_body_names_the_likely_cause(client: TestClient) -> None:
    mangled = REFERENCE.decode("utf-8", errors="replace").encode()
    status, body = post_raw(client, mangled, "image/jpeg")
    assert status == 400
    assert body["error"]["code"] == "body_not_binary"
    assert "BinaryMediaTypes" in body["error"]["message"]
