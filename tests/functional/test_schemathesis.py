"""Schemathesis generates requests from the OpenAPI schema the app serves; none may get a 5xx.

Its hypothesis strategies are driven directly: schemathesis' pytest plugin does not work
with pytest 9 yet (it reads a private attribute pytest removed).
"""

from __future__ import annotations

import pytest
from aws_fixtures import aws, s3_app
from hypothesis import HealthCheck, given, settings
from jobs_fixtures import jobs_aws

EXAMPLES_PER_OPERATION = 50
ROUTES = [
    "POST /classify",
    "GET /health",
    "POST /classify/batch",
    "POST /uploads",
    "POST /jobs",
    "GET /jobs/{job_id}",
    "GET /results",
]
# JSON bodies reach S3: run against moto (without IMAGES_BUCKET they answer a documented 501).
S3_ROUTES = {"POST /classify", "POST /classify/batch", "POST /uploads"}
# The jobs routes also need the queue: moto's SQS as well.
JOBS_ROUTES = {"POST /jobs", "GET /jobs/{job_id}", "GET /results"}
__all__ = ["aws", "jobs_aws", "s3_app"]  # fixtures, imported for pytest


def operations(api_schema) -> dict[str, object]:
    found = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


def test_the_schema_lists_every_route(api_schema) -> None:
    assert set(operations(api_schema)) == set(ROUTES)


@pytest.mark.parametrize("name", ROUTES)
def test_no_server_errors_and_errors_in_our_shape(api_schema, request, name: str) -> None:
    if name in S3_ROUTES:
        request.getfixturevalue("s3_app")
    if name in JOBS_ROUTES:
        request.getfixturevalue("jobs_aws")
    operation = operations(api_schema)[name]
    statuses: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case) -> None:
        response = case.call()
        statuses.append(response.status_code)
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert set(response.json()) == {"error"}, response.text

    check()
    assert statuses, "schemathesis generated no request"
    if name == "POST /classify":
        # It builds valid tiny images for the image/* forms: both outcomes must be exercised.
        assert 200 in statuses
        assert any(400 <= status < 500 for status in statuses)
