"""POST /jobs and GET /jobs/{id} against moto: validation, SQS batching, idempotency, pages."""

from __future__ import annotations

import json
import uuid

import pytest
from aws_fixtures import aws
from botocore.exceptions import ClientError
from jobs_fixtures import chunk_items, jobs_aws
from test_api import assert_error

from function.aws import clients
from function.jobs.keys import PAGE_SIZE

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest


def keys(count: int, prefix: str = "uploads/k") -> list[str]:
    return [f"{prefix}{i}" for i in range(count)]


def count_batch_calls(jobs_aws) -> list[int]:
    """Entries per SendMessageBatch call the API makes from now on."""
    sizes: list[int] = []
    clients.client("sqs").meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: sizes.append(len(params["Entries"])),
    )
    return sizes


def test_a_job_is_accepted_stored_and_queued_in_chunks_of_ten(client, jobs_aws) -> None:
    sizes = count_batch_calls(jobs_aws)
    response = client.post("/jobs", json={"s3_keys": keys(25), "top_k": 3})
    assert response.status_code == 202, response.text
    body = response.json()
    assert uuid.UUID(body["job_id"]).version == 4
    assert body == {
        "job_id": body["job_id"],
        "status": "queued",
        "total": 25,
        "status_url": f"/jobs/{body['job_id']}",
    }
    assert sizes == [3]  # one SendMessageBatch of three chunks: 10, 10 and 5 images
    messages = [json.loads(m["Body"]) for m in jobs_aws.receive_all()]
    assert sorted(m["chunk"] for m in messages) == [0, 1, 2]
    assert sorted(len(m["items"]) for m in messages) == [5, 10, 10]
    assert chunk_items(messages) == list(enumerate(keys(25)))
    assert {m["job_id"] for m in messages} == {body["job_id"]}
    assert {m["top_k"] for m in messages} == {3}
    assert {m["bucket"] for m in messages} == {None}
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["total"], status["succeeded"], status["failed"]) == (
        "queued",
        25,
        0,
        0,
    )
    assert [e["status"] for e in status["results"]] == ["pending"] * 25


def test_incoming_keys_are_accepted_too(client, jobs_aws) -> None:
    response = client.post("/jobs", json={"s3_keys": ["incoming/a b.jpg".replace(" ", "_")]})
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"s3_keys": []}, 400, "no_images"),
        ({"s3_keys": keys(1001)}, 413, "too_many_images"),
        ({"s3_keys": ["uploads/ok", "elsewhere/x"]}, 400, "invalid_s3_key"),
        ({"s3_keys": ["uploads/../secret"]}, 400, "invalid_s3_key"),
        ({"s3_keys": ["incoming/"]}, 400, "invalid_s3_key"),
        ({"s3_keys": ["uploads/a"], "top_k": 0}, 422, "invalid_parameter"),
        ({"s3_keys": ["uploads/a"], "extra": 1}, 422, "invalid_parameter"),
        ({"s3_keys": "uploads/a"}, 422, "invalid_parameter"),
    ],
)
def test_bad_jobs_are_refused_and_nothing_is_queued(client, jobs_aws, body, status, code) -> None:
    assert_error(client.post("/jobs", json=body), status, code)
    assert jobs_aws.receive_all() == []


def test_the_bad_key_is_named_by_its_index(client, jobs_aws) -> None:
    response = client.post("/jobs", json={"s3_keys": ["uploads/ok", "nope/x"]})
    assert "s3_keys[1]" in response.json()["error"]["message"]


def test_invalid_json_is_400(client, jobs_aws) -> None:
    response = client.post("/jobs", content=b"{", headers={"content-type": "application/json"})
    assert_error(response, 400, "invalid_json")


def test_without_a_queue_the_jobs_routes_answer_501(client, handler_module, model_dir) -> None:
    from function.api.dependencies import current_settings
    from function.shared.settings import Settings

    settings = Settings(model_dir=model_dir, images_bucket="b", results_table="t")
    client.app.dependency_overrides[current_settings] = lambda: settings
    assert_error(client.post("/jobs", json={"s3_keys": ["uploads/a"]}), 501, "jobs_not_configured")
    assert_error(client.get(f"/jobs/{uuid.uuid4()}"), 501, "jobs_not_configured")


def test_an_idempotent_retry_returns_the_same_job_and_queues_nothing_more(client, jobs_aws):
    headers = {"idempotency-key": "order-42"}
    first = client.post("/jobs", json={"s3_keys": keys(12)}, headers=headers)
    again = client.post("/jobs", json={"s3_keys": keys(12)}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert len(jobs_aws.receive_all()) == 2  # chunks of 10 and 2 images
    other = client.post("/jobs", json={"s3_keys": keys(12)}, headers={"idempotency-key": "x"})
    assert other.json()["job_id"] != first.json()["job_id"]


def test_an_idempotency_key_reused_for_another_request_is_422(client, jobs_aws) -> None:
    headers = {"idempotency-key": "order-43"}
    assert client.post("/jobs", json={"s3_keys": keys(2)}, headers=headers).status_code == 202
    changed = client.post("/jobs", json={"s3_keys": keys(3)}, headers=headers)
    assert_error(changed, 422, "idempotency_key_reused")


def test_a_retry_after_sqs_failed_completes_the_same_job(client, jobs_aws) -> None:
    """The first attempt stores the job but SQS refuses: 503; the retry sends the messages."""
    sqs = clients.client("sqs")

    def refuse(**_):
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "SendMessageBatch")

    sqs.meta.events.register("before-call.sqs.SendMessageBatch", refuse, unique_id="refuse")
    headers = {"idempotency-key": "retry-me"}
    assert_error(
        client.post("/jobs", json={"s3_keys": keys(3)}, headers=headers),
        503,
        "job_store_unavailable",
    )
    sqs.meta.events.unregister("before-call.sqs.SendMessageBatch", unique_id="refuse")
    retry = client.post("/jobs", json={"s3_keys": keys(3)}, headers=headers)
    assert retry.status_code == 202, retry.text
    messages = [json.loads(m["Body"]) for m in jobs_aws.receive_all()]
    assert chunk_items(messages) == list(enumerate(keys(3)))
    assert {m["job_id"] for m in messages} == {retry.json()["job_id"]}


@pytest.mark.parametrize("job_id", ["nope", str(uuid.uuid4()), str(uuid.uuid1()), "A" * 36])
def test_unknown_or_malformed_job_ids_are_404(client, jobs_aws, job_id) -> None:
    assert_error(client.get(f"/jobs/{job_id}"), 404, "job_not_found")


def test_results_come_in_pages_of_100_with_a_next_token(client, jobs_aws) -> None:
    submitted = keys(2 * PAGE_SIZE + 50)
    job_id = client.post("/jobs", json={"s3_keys": submitted}).json()["job_id"]
    seen, token, pages = [], None, 0
    while True:
        params = {"next_token": token} if token else {}
        page = client.get(f"/jobs/{job_id}", params=params).json()
        pages += 1
        assert len(page["results"]) <= PAGE_SIZE
        seen += [entry["s3_key"] for entry in page["results"]]
        token = page.get("next_token")
        if token is None:
            break
    assert pages == 3
    assert seen == submitted


@pytest.mark.parametrize("token", ["garbage", "cGFnZTo5OQ", "cGFnZTow", "!!"])
def test_a_bad_next_token_is_400(client, jobs_aws, token) -> None:
    job_id = client.post("/jobs", json={"s3_keys": keys(150)}).json()["job_id"]
    assert_error(
        client.get(f"/jobs/{job_id}", params={"next_token": token}), 400, "invalid_next_token"
    )


def test_a_table_outage_is_503(client, jobs_aws) -> None:
    def refuse(**_):
        raise ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")

    clients.client("dynamodb").meta.events.register("before-call.dynamodb.GetItem", refuse)
    assert_error(client.get(f"/jobs/{uuid.uuid4()}"), 503, "job_store_unavailable")


def test_drop_folder_results_are_404_while_pending_and_400_outside_the_prefix(client, jobs_aws):
    response = client.get("/results", params={"s3_key": "incoming/photo.jpg"})
    assert_error(response, 404, "result_not_found")
    assert_error(client.get("/results", params={"s3_key": "uploads/x"}), 400, "invalid_s3_key")
