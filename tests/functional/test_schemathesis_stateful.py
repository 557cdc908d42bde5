"""Schemathesis' stateful phase over the jobs routes: POST /jobs, then, through the schema's
OpenAPI link, GET /jobs/{job_id} of the job it created. No step may get a 5xx, every error is
in the service's shape, and the link must really lead somewhere: a GET of a created job.

The state machine is driven directly, like tests/functional/test_schemathesis.py drives the
per-operation strategies (schemathesis' pytest plugin does not work with pytest 9 yet).
"""

from __future__ import annotations

from aws_fixtures import aws
from hypothesis import HealthCheck, settings
from jobs_fixtures import jobs_aws
from schemathesis.checks import not_a_server_error

from function.inference.classifier import get_classifier

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
JOBS = r"^/jobs"


def test_the_schema_links_a_new_job_to_its_status(client) -> None:
    schema = client.get("/openapi.json").json()
    accepted = schema["paths"]["/jobs"]["post"]["responses"]["202"]
    [link] = accepted["links"].values()
    assert link["parameters"] == {"job_id": "$response.body#/job_id"}
    target = schema["paths"]["/jobs/{job_id}"]["get"]
    assert link["operationId"] == target["operationId"]


def test_stateful_jobs_no_server_errors_and_links_followed(api_schema, jobs_aws) -> None:
    steps: list[tuple[str, int, dict | None]] = []
    base = api_schema.include(path_regex=JOBS).as_state_machine()

    class Jobs(base):  # type: ignore[misc, valid-type]
        def validate_response(self, response, case, **kwargs) -> None:
            name = f"{case.method.upper()} {case.operation.path}"
            steps.append((name, response.status_code, case.path_parameters))
            if response.status_code >= 400:
                assert set(response.json()) == {"error"}, response.text
                assert {"code", "message", "request_id"} <= set(response.json()["error"])
            case.validate_response(response, checks=[not_a_server_error])

    Jobs.run(
        settings=settings(
            max_examples=30,
            stateful_step_count=4,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    created = [status for name, status, _ in steps if name == "POST /jobs" and status == 202]
    followed = [
        status for name, status, _ in steps if name == "GET /jobs/{job_id}" and status == 200
    ]
    print(f"{len(steps)} steps, {len(created)} jobs created, {len(followed)} read through the link")
    assert created
    assert followed  # only a job id from POST /jobs answers 200: the link was followed


def test_the_schema_states_the_limits_the_code_enforces(client, jobs_aws) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    body = paths["/jobs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    keys, top_k = body["properties"]["s3_keys"], body["properties"]["top_k"]
    assert (keys["minItems"], keys["maxItems"]) == (1, 1000)
    patterns = [option["pattern"] for option in keys["items"]["anyOf"]]
    assert [p.split("/")[0] for p in patterns] == ["^uploads", "^incoming"]
    assert {option["maxLength"] for option in keys["items"]["anyOf"]} == {1024}
    assert (top_k["minimum"], top_k["maximum"]) == (1, get_classifier().num_classes)
    [key] = [p for p in paths["/results"]["get"]["parameters"] if p["name"] == "s3_key"]
    assert key["schema"]["pattern"].startswith("^incoming/")
    [header] = [p for p in paths["/jobs"]["post"]["parameters"] if p["name"] == "idempotency-key"]
    assert header["schema"]["anyOf"][0]["pattern"] == "^[A-Za-z0-9._:-]{1,255}$"
