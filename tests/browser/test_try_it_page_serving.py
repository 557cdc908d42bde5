"""The try-it page arrives intact through the Lambda handler, API Gateway's stage prefix and
`sam local start-api`'s gateway code, costs no boto3 import, and ships in the image."""

from __future__ import annotations

import os

from make_events import rest_event
from probes import probe_json
from sam_local.gateway import sam_local_gateway
from try_it import FILES, STATIC


def test_behind_a_stage_prefix_the_page_redirects_to_its_trailing_slash(
    handler_module, lambda_context
) -> None:
    event = rest_event("GET", "/", {"Host": "abc.execute-api.amazonaws.com"}, None)
    event["requestContext"]["path"] = "/Prod"  # the user typed .../Prod, without the slash
    answer = handler_module.handler(event, lambda_context)
    assert answer["statusCode"] == 308
    assert answer["headers"]["location"] == "Prod/"  # relative: /Prod resolves it to /Prod/

    event["requestContext"]["path"] = "/Prod/"
    answer = handler_module.handler(event, lambda_context)
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is False  # text: API Gateway passes it through as it is
    assert answer["body"] == (STATIC / "index.html").read_text()


def test_sam_local_start_api_serves_the_page_and_its_files(handler_module, lambda_context) -> None:
    with sam_local_gateway(lambda event: handler_module.handler(event, lambda_context)) as gateway:
        for path, (name, media_type) in FILES.items():
            answer = gateway.request("GET", path, b"", {"Accept": "text/html,image/webp,*/*"})
            assert answer.status == 200, (path, answer.body)
            assert answer.body == (STATIC / name).read_bytes()
            assert answer.headers["content-type"] == media_type
            assert answer.headers["x-content-type-options"] == "nosniff"


PAGE_PROBE = """
import json, sys
from fastapi.testclient import TestClient
import function.handler
seen = {"after_import": "boto3" in sys.modules}
answer = TestClient(function.handler.app).get("/")
seen["status"] = answer.status_code
seen["after_page"] = "boto3" in sys.modules
print(json.dumps(seen))
"""


def test_the_page_costs_no_boto3_import_without_a_bucket(model_dir) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir), "IMAGES_BUCKET": ""}
    assert probe_json(PAGE_PROBE, env) == {
        "after_import": False,
        "status": 200,
        "after_page": False,
    }


def test_the_lambda_image_ships_the_static_files() -> None:
    """The Dockerfile copies function/ whole, and .dockerignore lets it in."""
    repo = STATIC.parents[2]
    dockerfile = (repo / "Dockerfile").read_text()
    assert "COPY function/ ${LAMBDA_TASK_ROOT}/function/" in dockerfile
    ignored = (repo / ".dockerignore").read_text().split()
    assert "!function/" in ignored
    assert not [line for line in ignored if "static" in line or line.endswith((".js", ".css"))]
