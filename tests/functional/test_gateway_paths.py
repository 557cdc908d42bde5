"""status_url and Location are paths the caller can GET: behind API Gateway they carry the
stage (the ApiUrl output ends in /v1/), under uvicorn and `sam local start-api` they do not.

Driven through the Lambda handler with REST API (payload 1.0) and HTTP API (payload 2.0)
events as API Gateway sends them for a stage named v1, and as `sam local start-api` builds
them (requestContext.path is the route's template there, and a 2.0 rawPath has no stage).
"""

from __future__ import annotations

import json
import uuid

import pytest
from aws_fixtures import aws
from jobs_fixtures import jobs_aws
from lambda_context import make_lambda_context
from make_events import http_api_event, rest_event
from sam_local.gateway import sam_local_gateway

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
JSON = {"Content-Type": "application/json", "Host": "id.execute-api.us-east-1.amazonaws.com"}
BODY = json.dumps({"s3_keys": ["uploads/a"]}).encode()


def rest(method: str, path: str, stage_path: str | None, body: bytes | None = None) -> dict:
    """A REST API event; stage_path is requestContext.path (API Gateway: /v1 + path)."""
    event = rest_event(method, path, JSON, body, binary=False)
    event["requestContext"]["path"] = stage_path
    return event


def http_api(method: str, raw_path: str, stage: str, body: bytes | None = None) -> dict:
    """An HTTP API event; for a named stage API Gateway puts /<stage> into rawPath itself."""
    event = http_api_event(method, raw_path, JSON, body or b"")
    event.update(rawQueryString="", queryStringParameters=None, isBase64Encoded=False)
    event["body"] = body.decode() if body else None
    event["requestContext"]["http"]["path"] = raw_path
    event["requestContext"]["stage"] = stage
    return event


def call(handler_module, lambda_context, event: dict) -> tuple[dict, dict]:
    response = handler_module.handler(event, lambda_context)
    return response, json.loads(response["body"])


def test_behind_a_rest_api_stage_the_urls_carry_the_stage(
    handler_module, lambda_context, jobs_aws
) -> None:
    event = rest("POST", "/jobs", "/v1/jobs", BODY)
    response, body = call(handler_module, lambda_context, event)
    assert response["statusCode"] == 202, body
    job_id = body["job_id"]
    assert body["status_url"] == f"/v1/jobs/{job_id}"
    assert response["headers"]["location"] == f"/v1/jobs/{job_id}"
    # API Gateway strips the stage again on the way in: GET <ApiUrl>jobs/<id> reaches the app.
    get = rest("GET", f"/jobs/{job_id}", f"/v1/jobs/{job_id}")
    response, body = call(handler_module, lambda_context, get)
    assert (response["statusCode"], body["job_id"]) == (200, job_id)


def test_behind_a_custom_domain_base_path_the_urls_carry_it(
    handler_module, lambda_context, jobs_aws
) -> None:
    event = rest("POST", "/jobs", "/images/jobs", BODY)
    _, body = call(handler_module, lambda_context, event)
    assert body["status_url"] == f"/images/jobs/{body['job_id']}"


@pytest.mark.parametrize(("stage", "prefix"), [("v1", "/v1"), ("$default", "")])
def test_behind_an_http_api_the_urls_carry_a_named_stage(
    handler_module, lambda_context, jobs_aws, stage, prefix
) -> None:
    response, body = call(
        handler_module, lambda_context, http_api("POST", f"{prefix}/jobs", stage, BODY)
    )
    assert response["statusCode"] == 202, body
    job_id = body["job_id"]
    assert body["status_url"] == f"{prefix}/jobs/{job_id}"
    assert response["headers"]["location"] == f"{prefix}/jobs/{job_id}"
    response, body = call(
        handler_module, lambda_context, http_api("GET", body["status_url"], stage)
    )
    assert (response["statusCode"], body["job_id"]) == (200, job_id)


def test_under_sam_local_start_api_the_urls_have_no_stage(
    handler_module, lambda_context, jobs_aws
) -> None:
    """sam local serves the API at its root: its REST events carry the stage's name only."""
    _, body = call(handler_module, lambda_context, rest("POST", "/jobs", "/jobs", BODY))
    job_id = body["job_id"]
    assert body["status_url"] == f"/jobs/{job_id}"
    get = rest("GET", f"/jobs/{job_id}", "/jobs/{job_id}")  # the route's template
    response, body = call(handler_module, lambda_context, get)
    assert (response["statusCode"], body["job_id"]) == (200, job_id)
    # Its HTTP API events name the stage but leave it out of rawPath.
    _, body = call(handler_module, lambda_context, http_api("POST", "/jobs", "v1", BODY))
    assert body["status_url"] == f"/jobs/{body['job_id']}"


def test_without_api_gateway_the_urls_are_the_apps_own(client, jobs_aws) -> None:
    response = client.post("/jobs", json={"s3_keys": ["uploads/a"]})
    job_id = response.json()["job_id"]
    assert response.json()["status_url"] == response.headers["location"] == f"/jobs/{job_id}"
    assert client.get(response.headers["location"]).status_code == 200


def test_other_routes_still_route_behind_a_stage(handler_module, lambda_context, jobs_aws) -> None:
    response, _ = call(handler_module, lambda_context, http_api("GET", "/v1/health", "v1"))
    assert response["statusCode"] == 200
    response, body = call(
        handler_module, lambda_context, http_api("GET", f"/v1/jobs/{uuid.uuid4()}", "v1")
    )
    assert body["error"]["code"] == "job_not_found"


def test_through_sam_local_start_apis_own_gateway_code(handler_module, jobs_aws) -> None:
    """The events SAM CLI itself builds from template.yaml (tests/sam_local): no stage prefix."""
    context = make_lambda_context()
    with sam_local_gateway(lambda event: handler_module.handler(event, context)) as gateway:
        answer = gateway.request("POST", "/jobs", BODY, {"Content-Type": "application/json"})
        assert answer.status == 202, answer.body
        status_url = answer.json()["status_url"]
        assert status_url == f"/jobs/{answer.json()['job_id']}"
        assert answer.headers["location"] == status_url
        status = gateway.request("GET", status_url, b"", {})
        assert status.status == 200, status.body
