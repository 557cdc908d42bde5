"""POST /jobs by prefix: what the API checks itself, and that it never lists (29 seconds)."""

from __future__ import annotations

import json

import pytest
from aws_fixtures import aws
from bulk_fixtures import SOURCE, source_bucket
from jobs_fixtures import jobs_aws
from test_api import assert_error

from function.aws import clients

__all__ = ["aws", "jobs_aws", "source_bucket"]  # fixtures


def test_the_api_answers_at_once_and_queues_one_list_step(client, jobs_aws, source_bucket):
    listed: list[int] = []
    clients.client("s3").meta.events.register(
        "before-call.s3.ListObjectsV2", lambda **_: listed.append(1)
    )
    response = client.post("/jobs", json={"s3_prefix": "a/", "bucket": SOURCE, "top_k": 2})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body == {
        "job_id": body["job_id"],
        "status": "listing",
        "total": None,
        "status_url": f"/jobs/{body['job_id']}",
    }
    assert listed == []  # the API never lists
    [message] = [json.loads(m["Body"]) for m in jobs_aws.receive_all()]
    assert message == {
        "kind": "list",
        "job_id": body["job_id"],
        "bucket": SOURCE,
        "prefix": "a/",
        "top_k": 2,
        "page": 0,
        "token": None,
        "index": 0,
        "chunk": 0,
    }
    status = client.get(body["status_url"])
    assert status.status_code == 200
    shown = status.json()
    assert shown["total"] is None
    assert "total" in shown
    assert (shown["status"], shown["listed"], shown["succeeded"], shown["failed"]) == (
        "listing",
        0,
        0,
        0,
    )
    assert shown["results"] == []
    assert "export" not in shown


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"s3_prefix": "a/", "bucket": "someone-elses"}, 403, "bucket_not_allowed"),
        ({"s3_prefix": ""}, 400, "invalid_s3_prefix"),
        ({"s3_prefix": "é" * 513}, 400, "invalid_s3_prefix"),  # 1026 UTF-8 bytes
        ({"s3_prefix": "a/", "s3_keys": ["uploads/x"]}, 400, "invalid_job_request"),
        ({"bucket": SOURCE, "s3_keys": ["uploads/x"]}, 400, "invalid_job_request"),
        ({"bucket": SOURCE}, 400, "invalid_job_request"),
        ({}, 400, "no_images"),
        ({"s3_prefix": "a/", "top_k": 0}, 422, "invalid_parameter"),
        ({"s3_prefix": "a/", "top_k": 1001}, 422, "invalid_parameter"),
        ({"s3_prefix": 7}, 422, "invalid_parameter"),
    ],
)
def test_bad_prefix_jobs_are_refused_and_nothing_is_queued(
    client, jobs_aws, source_bucket, body, status, code
) -> None:
    assert_error(client.post("/jobs", json=body), status, code)
    assert jobs_aws.receive_all() == []


def test_a_prefix_of_1024_bytes_and_every_allowed_bucket_are_accepted(
    client, jobs_aws, source_bucket
) -> None:
    for body in (
        {"s3_prefix": "é" * 512},
        {"s3_prefix": "x", "bucket": SOURCE},
        {"s3_prefix": "x", "bucket": "other-allowed"},
        {"s3_prefix": "x", "bucket": "test-images"},
    ):
        assert client.post("/jobs", json=body).status_code == 202, body


def test_idempotency_covers_prefix_jobs(client, jobs_aws, source_bucket) -> None:
    headers = {"idempotency-key": "archive-2026"}
    body = {"s3_prefix": "photos/", "bucket": SOURCE}
    first = client.post("/jobs", json=body, headers=headers)
    again = client.post("/jobs", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert (again.json()["status"], again.json()["total"]) == ("listing", None)
    assert len(jobs_aws.receive_all()) == 1
    for changed in ({**body, "s3_prefix": "photos/2025/"}, {**body, "bucket": "other-allowed"}):
        assert_error(
            client.post("/jobs", json=changed, headers=headers), 422, "idempotency_key_reused"
        )
    keys_form = client.post("/jobs", json={"s3_keys": ["uploads/a"]}, headers=headers)
    assert_error(keys_form, 422, "idempotency_key_reused")


def test_a_next_token_on_a_prefix_job_is_400(client, jobs_aws, source_bucket) -> None:
    job_id = client.post("/jobs", json={"s3_prefix": "p/"}).json()["job_id"]
    response = client.get(f"/jobs/{job_id}", params={"next_token": "cGFnZTox"})
    assert_error(response, 400, "invalid_next_token")


def test_the_served_schema_describes_both_forms(client) -> None:
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/jobs"]["post"]
    request = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"s3_keys", "s3_prefix", "bucket", "top_k"} <= set(request["properties"])
    prefix = request["properties"]["s3_prefix"]
    assert (prefix["minLength"], prefix["maxLength"]) == (1, 1024)
    assert "403" in post["responses"]
    status = schema["components"]["schemas"]["JobStatus"]["properties"]
    assert {"export", "listed", "s3_prefix", "bucket"} <= set(status)
    assert "listing" in json.dumps(status["status"])
