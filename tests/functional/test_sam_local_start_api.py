"""Raw and multipart uploads through `sam local start-api`'s own gateway code (SAM CLI, in
.venv-tools), built from template.yaml, with our real Lambda handler behind it.

SAM CLI base64-encodes a request body only when the Content-Type is *literally* one of the
template's BinaryMediaTypes (samcli/local/apigw/event_constructor.py, _should_base64_encode);
otherwise it decodes the body as UTF-8, and image bytes fail with a 502 before any Lambda runs.
"""

from __future__ import annotations

import io

import pytest
from lambda_context import make_lambda_context
from photos import photo
from sam_local.gateway import SamLocalGateway, sam_local_gateway

from function.api.media_types import GENERIC_BINARY, RAW_IMAGE_MEDIA_TYPES


def encoded(pillow_format: str) -> bytes:
    if pillow_format == "HEIF":
        from heic_samples import heic_photo

        return heic_photo()
    buffer = io.BytesIO()
    photo("chelsea").save(buffer, pillow_format)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def gateway(handler_module) -> SamLocalGateway:
    context = make_lambda_context()
    with sam_local_gateway(lambda event: handler_module.handler(event, context)) as gateway:
        yield gateway


RAW_TYPES = [*RAW_IMAGE_MEDIA_TYPES.items(), (GENERIC_BINARY, "JPEG")]


@pytest.mark.parametrize(("media_type", "pillow_format"), RAW_TYPES)
def test_every_accepted_raw_type_is_classified(gateway, media_type, pillow_format) -> None:
    image = encoded(pillow_format)
    answer = gateway.request("POST", "/classify", image, {"Content-Type": media_type})
    assert answer.status == 200, answer.body
    (event,) = answer.events
    assert event["isBase64Encoded"] is True  # SAM treated the body as binary, as AWS does
    assert len(answer.json()["predictions"]) == 5
    # The test model has random weights: the warning survives SAM's response handling.
    assert answer.headers["x-model-warning"] == answer.json()["warning"]


def test_multipart_upload(gateway) -> None:
    image = encoded("JPEG")
    boundary = "sam-local-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="cat.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + image
        + f"\r\n--{boundary}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={boundary}"
    answer = gateway.request("POST", "/classify", body, {"Content-Type": content_type})
    assert answer.status == 200, answer.body
    assert answer.headers["content-type"] == "application/json"


def test_refused_type_is_a_415_from_the_function_not_a_502(gateway) -> None:
    answer = gateway.request("POST", "/classify", b"hello", {"Content-Type": "text/plain"})
    assert answer.status == 415
    assert answer.json()["error"]["code"] == "unsupported_media_type"
