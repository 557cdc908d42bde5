"""POST /jobs when SQS or DynamoDB fails part way: every image queued, or a loud failure that
names the job it stored and marks it, so GET /jobs/{id} tells the truth.

SQS's partial failures (entries in SendMessageBatch's `Failed`, with HTTP 200) are stubbed
with botocore's Stubber: moto never returns them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest
from aws_fixtures import aws
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber
from jobs_fixtures import jobs_aws
from test_api import assert_error

from function.aws import clients, queue

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
# Ten chunk messages of ten images: one SendMessageBatch of ten entries.
KEYS = [f"uploads/k{i}" for i in range(100)]


def accepted(ids: list[str]) -> list[dict]:
    return [{"Id": i, "MessageId": str(uuid.uuid4()), "MD5OfMessageBody": "0" * 32} for i in ids]


def refused(ids: list[str], sender_fault: bool = False) -> list[dict]:
    return [{"Id": i, "SenderFault": sender_fault, "Code": "InternalError"} for i in ids]


@dataclass
class SqsCalls:
    entries: list[list[dict]] = field(default_factory=list)  # of each SendMessageBatch call
    pauses: list[float] = field(default_factory=list)  # asked of time.sleep, not slept


@pytest.fixture
def sqs_calls(jobs_aws, monkeypatch) -> SqsCalls:
    calls = SqsCalls()
    clients.client("sqs").meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: calls.entries.append(params["Entries"]),
    )
    monkeypatch.setattr(queue.time, "sleep", calls.pauses.append)
    return calls


def stub_sqs(*answers: dict) -> Stubber:
    stubber = Stubber(clients.client("sqs"))
    for answer in answers:
        stubber.add_response("send_message_batch", answer, {"QueueUrl": ANY, "Entries": ANY})
    return stubber


def test_entries_sqs_refuses_are_sent_again_after_a_pause(client, jobs_aws, sqs_calls) -> None:
    ids = [str(i) for i in range(10)]
    stubber = stub_sqs(
        {"Successful": accepted(ids[:7]), "Failed": refused(ids[7:])},
        {"Successful": accepted(["7"]), "Failed": refused(["8", "9"])},
        {"Successful": accepted(["8", "9"]), "Failed": []},
    )
    with stubber:
        response = client.post("/jobs", json={"s3_keys": KEYS})
        stubber.assert_no_pending_responses()
    assert response.status_code == 202, response.text
    first, second, third = sqs_calls.entries
    assert [entry["Id"] for entry in second] == ["7", "8", "9"]
    assert [entry["Id"] for entry in third] == ["8", "9"]
    assert second == first[7:]
    assert third == first[8:]
    queued = first[:7] + second[:1] + third
    assert sorted(json.loads(e["MessageBody"])["chunk"] for e in queued) == list(range(10))
    assert len(sqs_calls.pauses) == 2
    assert sqs_calls.pauses[0] > 0
    status = client.get(response.headers["location"]).json()
    assert status["status"] == "queued"
    assert "messages_sent" not in status


def test_entries_sqs_keeps_refusing_fail_the_request_and_mark_the_job(
    client, jobs_aws, sqs_calls
) -> None:
    ids = [str(i) for i in range(10)]
    answers = [{"Successful": accepted(ids[:7]), "Failed": refused(ids[7:])}]
    answers += [{"Successful": [], "Failed": refused(ids[7:])}] * queue.RESEND_ATTEMPTS
    with stub_sqs(*answers):
        response = client.post("/jobs", json={"s3_keys": KEYS})
    assert_error(response, 503, "job_store_unavailable")
    job_id = response.json()["error"]["job_id"]
    assert "70 of its 100 images" in response.json()["error"]["message"]
    status = client.get(f"/jobs/{job_id}").json()
    assert (status["status"], status["messages_sent"], status["total"]) == (
        "failed_to_submit",
        70,
        100,
    )
    assert sqs_calls.pauses == sorted(sqs_calls.pauses)


def test_a_sender_fault_is_a_bug_500_that_names_the_job(client, jobs_aws, sqs_calls) -> None:
    with stub_sqs({"Successful": accepted(["0"]), "Failed": refused(["1"], sender_fault=True)}):
        response = client.post("/jobs", json={"s3_keys": KEYS[:20]})  # two chunks
    assert_error(response, 500, "internal_error")
    job_id = response.json()["error"]["job_id"]
    assert client.get(f"/jobs/{job_id}").json()["status"] == "failed_to_submit"
    assert len(sqs_calls.entries) == 1  # a malformed entry is never sent again


def test_an_sqs_outage_after_some_batches_names_the_job_and_counts_what_was_sent(
    client, jobs_aws, sqs_calls
) -> None:
    """No Idempotency-Key: the job is not an orphan that claims to be queued until its TTL."""
    keys = [f"uploads/k{i}" for i in range(250)]  # 25 chunks: batches of 10, 10 and 5
    with Stubber(clients.client("sqs")) as stubber:
        stubber.add_response(
            "send_message_batch", {"Successful": accepted(list("0123456789")), "Failed": []}
        )
        stubber.add_client_error("send_message_batch", "ServiceUnavailable", http_status_code=503)
        response = client.post("/jobs", json={"s3_keys": keys})
    assert_error(response, 503, "job_store_unavailable")
    job_id = response.json()["error"]["job_id"]
    status = client.get(f"/jobs/{job_id}").json()
    assert status["status"] == "failed_to_submit"
    assert (status["messages_sent"], status["total"]) == (100, 250)  # images of sent chunks


def test_a_failure_before_the_job_is_stored_names_no_job(client, jobs_aws) -> None:
    def refuse(**_):
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateItem")

    clients.client("dynamodb").meta.events.register("before-call.dynamodb.UpdateItem", refuse)
    response = client.post("/jobs", json={"s3_keys": KEYS[:1]})
    assert_error(response, 503, "job_store_unavailable")
    assert "job_id" not in response.json()["error"]


def test_a_retry_with_the_key_completes_a_failed_to_submit_job(client, jobs_aws) -> None:
    headers = {"idempotency-key": "finish-it"}
    with Stubber(clients.client("sqs")) as stubber:
        stubber.add_client_error("send_message_batch", "ServiceUnavailable", http_status_code=503)
        failed = client.post("/jobs", json={"s3_keys": KEYS}, headers=headers)
    job_id = failed.json()["error"]["job_id"]
    assert client.get(f"/jobs/{job_id}").json()["status"] == "failed_to_submit"
    retry = client.post("/jobs", json={"s3_keys": KEYS}, headers=headers)
    assert retry.status_code == 202
    assert retry.json()["job_id"] == job_id
    status = client.get(f"/jobs/{job_id}").json()
    assert status["status"] == "queued"
    assert "messages_sent" not in status
    assert len(jobs_aws.receive_all()) == 10


def test_a_send_batch_stays_under_sqs_batch_bytes(jobs_aws, sqs_calls) -> None:
    """A listed chunk of ten 1024-byte keys of emoji is about 31 KB of JSON (each character
    escaped as a 12-byte surrogate pair): ten of them exceed a SendMessageBatch's 256 KiB,
    which SQS refuses whole (BatchRequestTooLong), so a list step would fail every delivery."""
    key = "\U0001f4f7" * 256  # 1024 UTF-8 bytes, S3's longest key
    bodies = [json.dumps({"n": n, "items": [[i, key] for i in range(10)]}) for n in range(25)]
    assert min(len(body.encode()) for body in bodies) > 30_000
    queue.WorkQueue(jobs_aws.queue_url).send_all(bodies)
    sizes = [sum(len(e["MessageBody"].encode()) for e in call) for call in sqs_calls.entries]
    assert max(sizes) <= queue.SQS_BATCH_BYTES == 256 * 1024
    assert max(len(call) for call in sqs_calls.entries) <= queue.SQS_BATCH_ENTRIES
    received = [json.loads(m["Body"])["n"] for m in jobs_aws.receive_all()]
    assert sorted(received) == list(range(25))
