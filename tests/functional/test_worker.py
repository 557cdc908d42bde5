"""The SQS worker end to end against moto: POST /jobs, the queue, the handler, GET /jobs/{id}."""

from __future__ import annotations

import io
import json

import pytest
from aws_fixtures import TABLE, aws, make_cache
from botocore.exceptions import ClientError
from botocore.response import StreamingBody
from botocore.stub import Stubber
from jobs_fixtures import jobs_aws, worker_handler
from local_worker import lambda_context, sqs_event
from photos import photo_bytes

from function.api.dependencies import current_cache
from function.aws import backoff, clients
from function.jobs import image_pipeline, ledger

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest

PHOTOS = ["chelsea", "astronaut", "coffee"]


def fresh_predictions(client, **request) -> list[dict]:
    """What the API computes itself, bypassing the content cache the worker filled."""
    client.app.dependency_overrides[current_cache] = lambda: make_cache(table=False)
    response = client.post("/classify", **request)
    assert response.headers["x-cache"] == "miss"
    return response.json()["predictions"]


def assert_same_predictions(got: list[dict], expected: list[dict]) -> None:
    assert [p["index"] for p in got] == [p["index"] for p in expected]
    assert [p["class"] for p in got] == [p["class"] for p in expected]
    assert [p["probability"] for p in got] == pytest.approx([p["probability"] for p in expected])


def submit(client, keys: list[str], top_k: int = 3) -> str:
    response = client.post("/jobs", json={"s3_keys": keys, "top_k": top_k})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def test_a_job_runs_end_to_end_through_the_templates_worker(client, jobs_aws) -> None:
    keys = [jobs_aws.put(f"uploads/{name}", photo_bytes(name)) for name in PHOTOS]
    keys.append(jobs_aws.put("uploads/not-an-image", b"just some text, no pixels"))
    keys.append("uploads/never-uploaded")
    job_id = submit(client, keys)
    assert client.get(f"/jobs/{job_id}").json()["status"] == "queued"

    assert jobs_aws.drain(worker_handler(), batch_size=10) == []

    status = client.get(f"/jobs/{job_id}")
    job = status.json()
    assert (job["status"], job["total"], job["succeeded"], job["failed"]) == ("done", 5, 3, 2)
    assert job["production_ready"] is False  # random test weights, said as on /classify
    assert status.headers["x-model-warning"] == job["warning"]
    assert [entry["s3_key"] for entry in job["results"]] == keys
    for key, entry in zip(keys[:3], job["results"], strict=False):
        expected = fresh_predictions(client, params={"top_k": 3}, json={"s3_key": key})
        assert entry["status"] == "succeeded"
        assert_same_predictions(entry["predictions"], expected)
    assert job["results"][3]["error"]["code"] == "unsupported_image_format"
    assert job["results"][4]["error"]["code"] == "object_not_found"
    assert jobs_aws.receive_all() == []
    assert jobs_aws.receive_all(jobs_aws.dlq_url) == []


def worker_metrics(output: str) -> dict:
    """The worker's EMF metrics line from captured stdout."""
    [line] = [json.loads(x) for x in output.splitlines() if '"WorkerImages"' in x]
    return line


def test_a_poison_image_is_recorded_and_not_retried(client, jobs_aws, capsys) -> None:
    job_id = submit(client, [jobs_aws.put("uploads/poison", b"\xff\xd8\xff\xe0 broken jpeg")])
    [message] = jobs_aws.receive_all()
    event = sqs_event([message], "arn:aws:sqs:us-east-1:123456789012:test-jobs", "us-east-1")
    capsys.readouterr()
    assert worker_handler()(event, lambda_context()) == {"batchItemFailures": []}
    metrics = worker_metrics(capsys.readouterr().out)
    assert metrics["WorkerImagesFailed"] == [1.0]
    assert metrics["WorkerMessagesRetried"] == [0.0]
    assert metrics["WorkerImagesSucceeded"] == [0.0]
    assert client.get(f"/jobs/{job_id}").json()["status"] == "exporting"
    jobs_aws.sqs.delete_message(QueueUrl=jobs_aws.queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert jobs_aws.drain(worker_handler()) == []  # the export step
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["failed"]) == ("done", 1)
    assert job["results"][0]["error"]["code"] in ("image_decode_error", "image_truncated")


def test_a_throttled_read_fails_only_its_message(client, jobs_aws, monkeypatch) -> None:
    """Two chunks (two jobs of one image): the chunk with the throttled read is retried alone."""
    monkeypatch.setattr(image_pipeline, "READ_THREADS", 1)  # reads in message order, for the stubs
    data = photo_bytes("chelsea")
    keys = [jobs_aws.put("uploads/throttled", data), jobs_aws.put("uploads/fine", data)]
    job_ids = [submit(client, [key]) for key in keys]
    order = {job_id: position for position, job_id in enumerate(job_ids)}
    messages = sorted(jobs_aws.receive_all(), key=lambda m: order[json.loads(m["Body"])["job_id"]])
    event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:test-jobs", "us-east-1")
    with Stubber(clients.client("s3")) as s3:
        s3.add_client_error("head_object", "SlowDown", http_status_code=503)
        s3.add_response("head_object", {"ContentLength": len(data)})
        s3.add_response("get_object", {"Body": StreamingBody(io.BytesIO(data), len(data))})
        answer = worker_handler()(event, lambda_context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    pending, fine = (client.get(f"/jobs/{job_id}").json() for job_id in job_ids)
    assert (pending["status"], pending["succeeded"], pending["failed"]) == ("queued", 0, 0)
    assert [e["status"] for e in pending["results"]] == ["pending"]
    assert (fine["status"], fine["succeeded"]) == ("exporting", 1)
    assert [e["status"] for e in fine["results"]] == ["succeeded"]

    retry = sqs_event(messages[:1], "arn:aws:sqs:us-east-1:123456789012:test-jobs", "us-east-1")
    assert worker_handler()(retry, lambda_context()) == {"batchItemFailures": []}
    assert client.get(f"/jobs/{job_ids[0]}").json()["succeeded"] == 1


def test_redelivery_does_not_count_twice(client, jobs_aws) -> None:
    keys = [jobs_aws.put(f"uploads/{name}", photo_bytes(name)) for name in PHOTOS[:2]]
    job_id = submit(client, [*keys, "uploads/missing"])
    event = sqs_event(jobs_aws.receive_all(), "arn:aws:sqs:::test-jobs", "us-east-1")
    for _ in range(3):  # SQS delivers at least once: the same batch, three times
        assert worker_handler()(event, lambda_context()) == {"batchItemFailures": []}
    jobs_aws.drain(worker_handler())  # the export step, and the chunk once more
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["succeeded"], job["failed"]) == ("done", 2, 1)


def test_the_dlq_receives_what_keeps_failing(client, jobs_aws) -> None:
    job_id = submit(client, [jobs_aws.put("uploads/always-throttled", photo_bytes("coffee"))])
    with Stubber(clients.client("s3")) as s3:
        for _ in range(3):  # the queue's maxReceiveCount
            s3.add_client_error("head_object", "SlowDown", http_status_code=503)
        failures = jobs_aws.drain(worker_handler(), batch_size=10)
        s3.assert_no_pending_responses()
    assert len(failures) == 3
    [dead] = jobs_aws.receive_all(jobs_aws.dlq_url)
    assert json.loads(dead["Body"])["job_id"] == job_id
    assert jobs_aws.receive_all() == []
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["succeeded"], job["failed"]) == ("queued", 0, 0)


def test_a_malformed_message_fails_alone(client, jobs_aws) -> None:
    key = jobs_aws.put("uploads/ok", photo_bytes("chelsea"))
    job_id = submit(client, [key])
    [message] = jobs_aws.receive_all()
    junk = {**message, "MessageId": "junk", "Body": "{not json"}
    event = sqs_event([junk, message], "arn:aws:sqs:::test-jobs", "us-east-1")
    assert worker_handler()(event, lambda_context()) == {
        "batchItemFailures": [{"itemIdentifier": "junk"}]
    }
    assert client.get(f"/jobs/{job_id}").json()["succeeded"] == 1


def test_objects_dropped_into_incoming_are_classified(client, jobs_aws) -> None:
    """The bucket's own notification (moto sends it, with its s3:TestEvent) feeds the queue."""
    jobs_aws.notify_incoming()
    key = "incoming/My Photo+1 (2).jpg"  # arrives URL-encoded: My+Photo%2B1+%282%29.jpg
    result = client.get("/results", params={"s3_key": key})
    assert result.status_code == 404
    assert result.json()["error"]["code"] == "result_not_found"
    jobs_aws.put(key, photo_bytes("chelsea"))
    jobs_aws.put("incoming/notes.txt", b"not an image")
    jobs_aws.put("uploads/not-dropped.jpg", photo_bytes("coffee"))  # outside the prefix

    assert jobs_aws.drain(worker_handler()) == []

    found = client.get("/results", params={"s3_key": key, "top_k": 2})
    assert found.status_code == 200, found.text
    # The test model has random weights: the stored result says so, like /classify.
    assert found.json()["production_ready"] is False
    assert found.headers["x-model-warning"] == found.json()["warning"]
    expected = fresh_predictions(
        client,
        params={"top_k": 2},
        content=photo_bytes("chelsea"),
        headers={"content-type": "image/jpeg"},
    )
    assert_same_predictions(found.json()["predictions"], expected)
    failed = client.get("/results", params={"s3_key": "incoming/notes.txt"}).json()
    assert failed["error"]["code"] == "unsupported_image_format"
    too_many = client.get("/results", params={"s3_key": key, "top_k": 1001})
    assert too_many.status_code == 422  # bounded by the model's 1000 classes

    # Probabilities stored by another model version would be ranked with the wrong labels.
    table = TABLE
    item = jobs_aws.aws.dynamodb.get_item(TableName=table, Key={"pk": {"S": f"object#{key}"}})
    stale = {**item["Item"], "model_version": {"S": "another-model"}}
    jobs_aws.aws.dynamodb.put_item(TableName=table, Item=stale)
    gone = client.get("/results", params={"s3_key": key})
    assert gone.status_code == 404
    assert "earlier model" in gone.json()["error"]["message"]


def test_a_transaction_throttled_on_every_try_fails_only_its_jobs_messages(
    client, jobs_aws, monkeypatch
) -> None:
    """DynamoDB refusing one job's transaction past the retries: its chunk is retried, alone."""
    monkeypatch.setattr(backoff, "BASE_SECONDS", 0.001)
    keys = [jobs_aws.put(f"uploads/{name}", photo_bytes(name)) for name in PHOTOS[:2]]
    job_ids = [submit(client, [key]) for key in keys]
    order = {job_id: position for position, job_id in enumerate(job_ids)}
    messages = sorted(jobs_aws.receive_all(), key=lambda m: order[json.loads(m["Body"])["job_id"]])
    event = sqs_event(messages, "arn:aws:sqs:::test-jobs", "us-east-1")
    tries: list[str] = []

    def throttle_the_first_job(params, **_):
        put = params["TransactItems"][0]["Put"]["Item"]
        tries.append(put["pk"]["S"])
        if job_ids[0] in put["pk"]["S"]:
            raise ClientError(
                {"Error": {"Code": "ProvisionedThroughputExceededException"}},
                "TransactWriteItems",
            )

    dynamodb = clients.client("dynamodb")
    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", throttle_the_first_job
    )
    try:
        answer = worker_handler()(event, lambda_context())
    finally:
        dynamodb.meta.events.unregister(
            "provide-client-params.dynamodb.TransactWriteItems", throttle_the_first_job
        )
    assert answer == {"batchItemFailures": [{"itemIdentifier": messages[0]["MessageId"]}]}
    assert sum(job_ids[0] in pk for pk in tries) == ledger.ATTEMPTS  # retried in-process first
    first, second = (client.get(f"/jobs/{job_id}").json() for job_id in job_ids)
    assert (first["status"], first["succeeded"]) == ("queued", 0)
    assert (second["status"], second["succeeded"]) == ("exporting", 1)
    assert worker_handler()(sqs_event(messages[:1], "arn", "us-east-1"), lambda_context()) == {
        "batchItemFailures": []
    }
    assert client.get(f"/jobs/{job_ids[0]}").json()["succeeded"] == 1
