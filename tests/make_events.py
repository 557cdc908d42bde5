"""Write the sample API Gateway events in events/ (run: `make events`).

The same files drive `sam local invoke -e events/<name>.json` and the functional tests.
The shapes follow `sam local generate-event apigateway aws-proxy` (REST API, payload 1.0)
and `... apigateway http-api-proxy` (HTTP API, payload 2.0). Output is deterministic, and
tests/functional/test_lambda_handler.py fails if the committed files drift from this script.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from photos import encode, photo
from worker_events import worker_events

EVENTS_DIR = Path(__file__).resolve().parent.parent / "events"
BOUNDARY = "----classifier-sample-boundary"


def small_cat_jpeg() -> bytes:
    """A real photograph, small enough to keep the event files readable in review."""
    image = photo("chelsea")
    image.thumbnail((160, 160))
    return encode(image, "JPEG", quality=85)


def multipart(field: str, filename: str, content_type: str, data: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def rest_event(
    method: str, path: str, headers: dict[str, str], body: bytes | None, query=None, binary=True
):
    """binary=False sends the body as API Gateway does when BinaryMediaTypes lacks its type."""
    if body is None:
        encoded = None
    elif binary:
        encoded = base64.b64encode(body).decode()
    else:
        encoded = body.decode("utf-8", errors="replace")
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "accountId": "123456789012",
            "apiId": "1234567890",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "curl/8.5.0"},
        },
        "body": encoded,
        "isBase64Encoded": body is not None and binary,
    }


def http_api_event(method: str, path: str, headers: dict[str, str], body: bytes) -> dict:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "top_k=3",
        "headers": headers,
        "queryStringParameters": {"top_k": "3"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api-id",
            "domainName": "id.execute-api.us-east-1.amazonaws.com",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "curl/8.5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": f"{method} {path}",
            "stage": "$default",
            "time": "28/Nov/2026:06:32:15 +0000",
            "timeEpoch": 1795847535000,
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def build_events() -> dict[str, dict]:
    jpeg = small_cat_jpeg()
    form = multipart("image", "cat.jpg", "image/jpeg", jpeg)
    form_headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(form)),
        "Host": "localhost",
    }
    raw_headers = {"Content-Type": "image/jpeg", "Content-Length": str(len(jpeg))}
    text = b"this is not an image"
    text_headers = {"Content-Type": "image/jpeg", "Content-Length": str(len(text))}
    return {
        "classify-rest-multipart.json": rest_event("POST", "/classify", form_headers, form),
        "classify-rest-raw-jpeg.json": rest_event(
            "POST", "/classify", raw_headers, jpeg, {"top_k": "3"}
        ),
        "health-rest.json": rest_event("GET", "/health", {"Host": "localhost"}, None),
        "classify-http-api-v2.json": http_api_event("POST", "/classify", form_headers, form),
        "bad-input-not-an-image.json": rest_event("POST", "/classify", text_headers, text),
        "bad-input-binary-as-text.json": rest_event(
            "POST", "/classify", form_headers, form, binary=False
        ),
        **s3_and_batch_events(jpeg),
        **worker_events(),
    }


# The key the S3 samples name; tests/functional/test_s3_lambda.py uploads the cat there first.
SAMPLE_S3_KEY = "uploads/sample-cat-photo"


def multipart_files(field: str, files: list[tuple[str, str, bytes]]) -> bytes:
    parts = [
        multipart(field, name, kind, data)[: -len(f"--{BOUNDARY}--\r\n")]
        for name, kind, data in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def s3_and_batch_events(jpeg: bytes) -> dict[str, dict]:
    """JSON bodies arrive as text: application/json is not in the API's BinaryMediaTypes."""
    json_headers = {"Content-Type": "application/json", "Host": "localhost"}
    by_key = json.dumps({"s3_key": SAMPLE_S3_KEY}).encode()
    by_keys = json.dumps({"s3_keys": [SAMPLE_S3_KEY, "uploads/never-uploaded"]}).encode()
    batch = multipart_files(
        "images",
        [("cat.jpg", "image/jpeg", jpeg), ("notes.txt", "text/plain", b"not an image")],
    )
    batch_headers = {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(batch)),
        "Host": "localhost",
    }
    return {
        "uploads-rest.json": rest_event("POST", "/uploads", {"Host": "localhost"}, None),
        "classify-rest-s3-key.json": rest_event(
            "POST", "/classify", json_headers, by_key, {"top_k": "3"}, binary=False
        ),
        "classify-batch-rest-multipart.json": rest_event(
            "POST", "/classify/batch", batch_headers, batch
        ),
        "classify-batch-rest-s3-keys.json": rest_event(
            "POST", "/classify/batch", json_headers, by_keys, binary=False
        ),
    }


def render(event: dict) -> str:
    return json.dumps(event, indent=2, sort_keys=True) + "\n"


def main() -> None:
    EVENTS_DIR.mkdir(exist_ok=True)
    for name, event in build_events().items():
        (EVENTS_DIR / name).write_text(render(event))
        print(f"wrote events/{name}")


if __name__ == "__main__":
    main()
