"""Each caller's jobs are its own (docs/tenancy.md), through the Lambda handler, for each AuthMode.

The events carry the identity API Gateway puts in the request context once the mode's check
has passed: an API key id, an IAM principal (REST API and HTTP API payload 2.0), a Cognito sub.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from aws_fixtures import BUCKET, TABLE, aws
from jobs_fixtures import jobs_aws, worker_handler
from make_events import http_api_event, rest_event, small_cat_jpeg
from worker_events import s3_put

from function.aws import clients
from function.jobs.keys import job_pk
from function.jobs.store import JobStore

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest

ACCOUNT = "123456789012"
ALICE, BOB = "alice", "bob"
SUBS = {ALICE: "0b6f5d3e-4c1a-4e8b-9f2d-7a1c3e5b9d01", BOB: "9d2e7c4b-1a3f-4b6e-8c5d-2f7a9e1b3c02"}


def _rest(identity: dict[str, Any], authorizer: dict[str, Any] | None = None) -> Callable:
    def make(method: str, path: str, body: bytes | None, headers: dict, query: dict) -> dict:
        event = rest_event(method, path, headers, body, query or None, binary=False)
        event["requestContext"]["identity"].update(identity)
        if authorizer is not None:
            event["requestContext"]["authorizer"] = authorizer
        return event

    return make


def _http_api(authorizer: dict[str, Any]) -> Callable:
    def make(method: str, path: str, body: bytes | None, headers: dict, query: dict) -> dict:
        event = http_api_event(method, path, headers, body or b"")
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = query or None
        event["requestContext"]["authorizer"] = authorizer
        return event

    return make


def iam_arn(who: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{who}"


# Each mode: how a caller's event is made, and the owner id the job item must record.
MODES: dict[str, tuple[Callable[[str], Callable], Callable[[str], str]]] = {
    "api-key": (lambda who: _rest({"apiKeyId": f"key-{who}"}), lambda who: f"key:key-{who}"),
    "iam": (
        lambda who: _rest({"userArn": iam_arn(who), "accessKey": "ASIAEXAMPLE"}),
        lambda who: f"iam:{iam_arn(who)}",
    ),
    "cognito": (
        lambda who: _rest({}, {"claims": {"sub": SUBS[who], "email": f"{who}@example.com"}}),
        lambda who: f"cognito:{SUBS[who]}",
    ),
    "iam-http-api": (
        lambda who: _http_api(
            {"iam": {"accountId": ACCOUNT, "userArn": iam_arn(who), "cognitoIdentity": None}}
        ),
        lambda who: f"iam:{iam_arn(who)}",
    ),
}


class Caller:
    def __init__(self, handler_module, lambda_context, make: Callable) -> None:
        self.handler, self.context, self.make = handler_module.handler, lambda_context, make

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[dict, dict]:
        raw = json.dumps(body).encode() if body is not None else None
        sent = {"Host": "localhost", "Content-Type": "application/json", **(headers or {})}
        event = self.make(method, path, raw, sent, query or {})
        response = self.handler(event, self.context)
        text = response["body"]
        if response.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        return response, json.loads(text)

    def create(self, body: dict[str, Any], key: str | None = None) -> dict:
        headers = {"Idempotency-Key": key} if key else {}
        response, accepted = self.call("POST", "/jobs", body, headers)
        assert response["statusCode"] == 202, accepted
        return {**accepted, "replayed": response["headers"].get("idempotent-replayed")}


@pytest.fixture(params=sorted(MODES))
def pair(request, handler_module, lambda_context, jobs_aws) -> tuple[Caller, Caller, Callable]:
    make, owner_id = MODES[request.param]
    alice = Caller(handler_module, lambda_context, make(ALICE))
    bob = Caller(handler_module, lambda_context, make(BOB))
    return alice, bob, owner_id


def stored_owner(jobs_aws, job_id: str) -> str | None:
    item = jobs_aws.aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": job_pk(job_id)}})
    return item["Item"].get("owner", {}).get("S")


def test_the_owner_reads_its_job_and_another_caller_sees_an_unknown_id(pair, jobs_aws) -> None:
    alice, bob, owner_id = pair
    job_id = alice.create({"s3_keys": ["uploads/a", "uploads/b"]})["job_id"]
    assert stored_owner(jobs_aws, job_id) == owner_id(ALICE)

    response, job = alice.call("GET", f"/jobs/{job_id}")
    assert response["statusCode"] == 200, job
    assert (job["job_id"], job["total"]) == (job_id, 2)

    refused, hidden = bob.call("GET", f"/jobs/{job_id}")
    unknown, never = bob.call("GET", f"/jobs/{uuid.uuid4()}")
    assert refused["statusCode"] == unknown["statusCode"] == 404
    assert hidden["error"]["code"] == "job_not_found"
    assert hidden == never  # same code, message and request id: nothing tells them apart
    assert set(refused["headers"]) == set(unknown["headers"])
    assert job_id not in json.dumps(hidden)


def test_an_idempotency_key_reused_by_another_caller_creates_its_own_job(pair, jobs_aws) -> None:
    alice, bob, owner_id = pair
    request = {"s3_keys": ["uploads/a"], "top_k": 3}
    first = alice.create(request, key="order-7")
    theirs = bob.create(request, key="order-7")
    assert theirs["job_id"] != first["job_id"]
    assert theirs["replayed"] is None  # a job of its own, not alice's replayed
    assert stored_owner(jobs_aws, theirs["job_id"]) == owner_id(BOB)
    again = alice.create(request, key="order-7")
    assert (again["job_id"], again["replayed"]) == (first["job_id"], "true")
    # Another request under the same key is bob's own business, not a clash with alice's.
    bob.create({"s3_keys": ["uploads/other"]}, key="order-8")
    assert alice.create({"s3_keys": ["uploads/a"]}, key="order-8")["replayed"] is None
    assert alice.call("GET", f"/jobs/{theirs['job_id']}")[0]["statusCode"] == 404
    assert bob.call("GET", f"/jobs/{theirs['job_id']}")[0]["statusCode"] == 200


def dynamodb_calls() -> list[str]:
    calls: list[str] = []
    clients.client("dynamodb").meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_another_callers_job_takes_the_unknown_ids_path(handler_module, lambda_context, jobs_aws):
    make, _ = MODES["api-key"]
    alice = Caller(handler_module, lambda_context, make(ALICE))
    bob = Caller(handler_module, lambda_context, make(BOB))
    job_id = alice.create({"s3_keys": ["uploads/a"]})["job_id"]
    calls = dynamodb_calls()
    bob.call("GET", f"/jobs/{uuid.uuid4()}")
    unknown = list(calls)
    calls.clear()
    bob.call("GET", f"/jobs/{job_id}")
    assert calls == unknown == ["GetItem"]  # the counts are never read for a hidden job
    calls.clear()
    alice.call("GET", f"/jobs/{job_id}")
    assert "BatchGetItem" in calls


def test_export_links_reach_only_the_owner(handler_module, lambda_context, jobs_aws) -> None:
    make, _ = MODES["cognito"]
    alice = Caller(handler_module, lambda_context, make(ALICE))
    bob = Caller(handler_module, lambda_context, make(BOB))
    key = jobs_aws.put("uploads/cat.jpg", small_cat_jpeg())
    job_id = alice.create({"s3_keys": [key], "top_k": 2})["job_id"]
    assert jobs_aws.drain(worker_handler()) == []
    _, done = alice.call("GET", f"/jobs/{job_id}")
    assert done["status"] == "done", done
    assert done["export"]["jsonl"].startswith("https://")
    response, hidden = bob.call("GET", f"/jobs/{job_id}")
    assert response["statusCode"] == 404
    assert hidden == bob.call("GET", f"/jobs/{uuid.uuid4()}")[1]  # no links, no hint


def test_a_prefix_job_over_the_stacks_exports_learns_no_other_job(
    handler_module, lambda_context, jobs_aws
) -> None:
    """exports/<job_id>/ in the stack's bucket names every finished job: a prefix job of
    another caller that covers it ("exports/", "e", ...) must not list those files."""
    make, _ = MODES["api-key"]
    alice = Caller(handler_module, lambda_context, make(ALICE))
    bob = Caller(handler_module, lambda_context, make(BOB))
    key = jobs_aws.put("uploads/cat.jpg", small_cat_jpeg())
    job_id = alice.create({"s3_keys": [key], "top_k": 2})["job_id"]
    assert jobs_aws.drain(worker_handler()) == []
    listed = jobs_aws.aws.s3.list_objects_v2(Bucket=BUCKET, Prefix=f"exports/{job_id}/")
    assert listed["KeyCount"] == 2  # alice's export is there to be found
    snoops = [bob.create({"s3_prefix": prefix, "top_k": 1})["job_id"] for prefix in ("e", "u")]
    assert jobs_aws.drain(worker_handler()) == []
    for snoop in snoops:
        _, done = bob.call("GET", f"/jobs/{snoop}")
        assert done["status"] == "done", done
        lines = jobs_aws.aws.s3.get_object(Bucket=BUCKET, Key=f"exports/{snoop}/results.jsonl")
        text = lines["Body"].read().decode()
        assert job_id not in text
        assert "exports/" not in text
    assert bob.call("GET", f"/jobs/{snoops[0]}")[1]["total"] == 0
    assert bob.call("GET", f"/jobs/{snoops[1]}")[1]["total"] == 1  # uploads stay the bucket's


def test_prefix_jobs_are_owned_too(handler_module, lambda_context, jobs_aws) -> None:
    make, owner_id = MODES["iam"]
    alice = Caller(handler_module, lambda_context, make(ALICE))
    bob = Caller(handler_module, lambda_context, make(BOB))
    job_id = alice.create({"s3_prefix": "photos/", "top_k": 2})["job_id"]
    assert stored_owner(jobs_aws, job_id) == owner_id(ALICE)
    _, listing = alice.call("GET", f"/jobs/{job_id}")
    assert listing["status"] == "listing"
    assert bob.call("GET", f"/jobs/{job_id}")[1]["error"]["code"] == "job_not_found"


def test_a_job_made_without_a_gateway_is_local(client, handler_module, lambda_context, jobs_aws):
    """uvicorn (make run) and the TestClient have no request context: the caller is `local`."""
    job_id = client.post("/jobs", json={"s3_keys": ["uploads/a"]}).json()["job_id"]
    assert stored_owner(jobs_aws, job_id) == "local"
    assert client.get(f"/jobs/{job_id}").status_code == 200
    gateway = Caller(handler_module, lambda_context, MODES["api-key"][0](ALICE))
    assert gateway.call("GET", f"/jobs/{job_id}")[0]["statusCode"] == 404


def test_jobs_stored_before_owners_are_read_only_locally(
    client, handler_module, lambda_context, jobs_aws
) -> None:
    job_id = str(uuid.uuid4())
    JobStore(TABLE, 7).create(job_id, ["uploads/a"], 3)  # as before: no owner on the item
    assert stored_owner(jobs_aws, job_id) is None
    assert client.get(f"/jobs/{job_id}").status_code == 200
    for mode in MODES:
        caller = Caller(handler_module, lambda_context, MODES[mode][0](ALICE))
        assert caller.call("GET", f"/jobs/{job_id}")[0]["statusCode"] == 404, mode
    nobody = Caller(handler_module, lambda_context, _rest({}))  # sam local start-api
    assert nobody.call("GET", f"/jobs/{job_id}")[0]["statusCode"] == 404


def test_drop_folder_results_are_readable_by_any_caller(pair, jobs_aws) -> None:
    alice, bob, _ = pair
    image = small_cat_jpeg()
    key = jobs_aws.put("incoming/shared.jpg", image)
    event = s3_put(BUCKET, "incoming/shared.jpg", len(image))
    jobs_aws.sqs.send_message(QueueUrl=jobs_aws.queue_url, MessageBody=json.dumps(event))
    assert jobs_aws.drain(worker_handler()) == []
    answers = [caller.call("GET", "/results", query={"s3_key": key}) for caller in (alice, bob)]
    assert [response["statusCode"] for response, _ in answers] == [200, 200], answers
    assert answers[0][1]["predictions"] == answers[1][1]["predictions"]


def test_the_served_schema_says_who_reads_what(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    job = paths["/jobs/{job_id}"]["get"]
    assert "other caller gets 404 `job_not_found`" in job["description"]
    assert "another caller's job" in job["responses"]["404"]["description"]
    assert "any caller the API lets in may read them" in paths["/results"]["get"]["description"]
