"""Against a deployed stack: set API_URL, or STACK_NAME (and AWS credentials). Skipped otherwise.

STACK_NAME=image-classifier .venv/bin/python -m pytest tests/integration
"""

from __future__ import annotations

import os

import httpx
import pytest
from integration.deployed import resolve_api_url
from photos import photo_bytes

pytestmark = pytest.mark.integration

BASE_URL = resolve_api_url()
if BASE_URL is None:
    pytest.skip("no deployed stack configured (API_URL or STACK_NAME)", allow_module_level=True)


@pytest.fixture(scope="module")
def api() -> httpx.Client:
    headers = {"x-api-key": os.environ["API_KEY"]} if os.environ.get("API_KEY") else {}
    with httpx.Client(base_url=BASE_URL, timeout=30, headers=headers) as client:
        yield client


def test_health(api: httpx.Client) -> None:
    response = api.get("health")
    assert response.status_code == 200
    assert response.json()["warmed_up"] is True
    assert response.headers["x-request-id"]


@pytest.mark.skipif(not os.environ.get("API_KEY"), reason="API_KEY not set")
def test_classify_without_the_key_is_refused_in_our_shape() -> None:
    response = httpx.post(
        f"{BASE_URL}classify", content=b"x", headers={"content-type": "image/png"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] in ("invalid_api_key", "forbidden")


def test_classify_multipart_like_the_tutorial(api: httpx.Client) -> None:
    files = {"image": ("cat.jpg", photo_bytes("chelsea"), "image/jpeg")}
    response = api.post("classify", files=files)
    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert len(predictions) == 5
    if api.get("health").json()["weights"] == "imagenet":
        assert any("cat" in p["class"] for p in predictions[:3]), predictions


def test_classify_raw_body_survives_api_gateway(api: httpx.Client) -> None:
    """Fails with a decode error if BinaryMediaTypes is missing and the body arrives as text."""
    response = api.post(
        "classify?top_k=2", content=photo_bytes("coffee"), headers={"content-type": "image/jpeg"}
    )
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == 2


def test_bad_input_is_a_4xx_in_our_shape(api: httpx.Client) -> None:
    response = api.post("classify", content=b"nope", headers={"content-type": "image/png"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_image_format"
