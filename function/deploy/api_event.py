"""The request the hook sends: an API Gateway REST proxy event, as API Gateway would build it.

The same shape as events/classify-rest-raw-jpeg.json (`sam local generate-event apigateway
aws-proxy`), so the new version answers through its real entry point: Mangum, the routes,
the content cache, the model.
"""

from __future__ import annotations

import base64
from typing import Any

JPEG_START = b"\xff\xd8"
COMMENT_MARKER = b"\xff\xfe"
MAX_COMMENT_BYTES = 65_533  # a JPEG segment's length field counts itself: 2 + 65533 bytes
USER_AGENT = "image-classifier-pretraffic-hook"


def tagged_jpeg(data: bytes, tag: str) -> bytes:
    """The same pixels behind different bytes: a JPEG comment segment carrying `tag`.

    The content cache is keyed by the sha256 of the bytes and the model version, and a model
    rebuilt with the same weights keeps its version: without the tag, an earlier deployment's
    answer (from another CPU architecture, say) could stand in for the new version's own.
    """
    if not data.startswith(JPEG_START):
        raise ValueError("a golden image must be a JPEG")
    comment = tag.encode("utf-8")[:MAX_COMMENT_BYTES]
    length = (len(comment) + 2).to_bytes(2, "big")
    return JPEG_START + COMMENT_MARKER + length + comment + data[len(JPEG_START) :]


def classify_event(image: bytes, request_id: str, top_k: int) -> dict[str, Any]:
    """POST /classify with the raw JPEG as the body, base64-encoded as API Gateway sends it."""
    headers = {"Content-Type": "image/jpeg", "Content-Length": str(len(image))}
    query = {"top_k": str(top_k)}
    return {
        "resource": "/classify",
        "path": "/classify",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()},
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/classify",
            "httpMethod": "POST",
            "path": "/pretraffic/classify",
            "stage": "pretraffic",
            "requestId": request_id,
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": USER_AGENT},
        },
        "body": base64.b64encode(image).decode("ascii"),
        "isBase64Encoded": True,
    }
