"""Items past their expires_at that DynamoDB has not deleted yet (it does so lazily, often days
later; moto never does): each kind reads as absent, and an expired Idempotency-Key is reused."""

from __future__ import annotations

import time
import uuid

import numpy as np
from aws_fixtures import TABLE, aws
from jobs_fixtures import jobs_aws
from test_api import assert_error

from function.api.caller import LOCAL
from function.aws.results import TTL_ATTRIBUTE
from function.inference.classifier import get_classifier
from function.jobs.chunk_record import Entry
from function.jobs.drop_results import DropResults
from function.jobs.keys import chunk_pk, idempotency_pk, job_pk, object_pk
from function.jobs.ledger import Chunk, Ledger
from function.jobs.outcomes import Outcome

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
AN_HOUR_AGO = str(int(time.time()) - 3600)


def expire(jobs_aws, pk: str) -> None:
    """Move an existing item's expiry into the past, as the table holds it after JOB_TTL_DAYS."""
    jobs_aws.aws.dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": pk}},
        UpdateExpression="SET #e = :past",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#e": TTL_ATTRIBUTE},
        ExpressionAttributeValues={":past": {"N": AN_HOUR_AGO}},
    )


def test_an_expired_idempotency_key_still_in_the_table_starts_a_new_job(client, jobs_aws) -> None:
    headers = {"idempotency-key": "reused-after-ttl"}
    first = client.post("/jobs", json={"s3_keys": ["uploads/a"]}, headers=headers)
    assert first.status_code == 202, first.text
    claim = idempotency_pk(LOCAL, "reused-after-ttl")  # the TestClient passes no gateway
    expire(jobs_aws, claim)
    # Another request under the same key: an expired claim binds nothing, not even a 422.
    again = client.post("/jobs", json={"s3_keys": ["uploads/b"]}, headers=headers)
    assert again.status_code == 202, again.text
    assert again.json()["job_id"] != first.json()["job_id"]
    assert again.headers.get("idempotent-replayed") is None
    held = jobs_aws.aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": claim}})["Item"]
    assert held["job_id"]["S"] == again.json()["job_id"]
    assert int(held[TTL_ATTRIBUTE]["N"]) > time.time()
    # And the new claim holds as any claim does.
    replay = client.post("/jobs", json={"s3_keys": ["uploads/b"]}, headers=headers)
    assert replay.json()["job_id"] == again.json()["job_id"]
    assert replay.headers["idempotent-replayed"] == "true"


def test_an_expired_job_still_in_the_table_is_404(client, jobs_aws) -> None:
    job_id = client.post("/jobs", json={"s3_keys": ["uploads/a"]}).json()["job_id"]
    assert client.get(f"/jobs/{job_id}").status_code == 200
    expire(jobs_aws, job_pk(job_id))
    assert_error(client.get(f"/jobs/{job_id}"), 404, "job_not_found")


def test_an_expired_result_still_in_the_table_reads_as_pending(client, jobs_aws) -> None:
    """Eleven images: chunk 0 holds ten, chunk 1 the last; chunk 0's item has expired."""
    keys = [f"uploads/{i}" for i in range(11)]
    job_id = client.post("/jobs", json={"s3_keys": keys}).json()["job_id"]
    predictions = [{"class": "tench", "index": 0, "probability": 0.5}]
    entries = [Entry(i, key, Outcome(predictions=predictions)) for i, key in enumerate(keys)]
    chunks = [Chunk(0, entries[:10]), Chunk(1, entries[10:])]
    assert Ledger(TABLE, 1, get_classifier().version).commit(job_id, chunks) == {0, 1}
    expire(jobs_aws, chunk_pk(job_id, 0))
    results = client.get(f"/jobs/{job_id}").json()["results"]
    assert [entry["status"] for entry in results] == ["pending"] * 10 + ["succeeded"]


def test_an_expired_drop_folder_result_still_in_the_table_is_404(client, jobs_aws) -> None:
    model = get_classifier()
    results = DropResults(TABLE, 1, model.version)
    probabilities = np.full(model.num_classes, 1 / model.num_classes, dtype=np.float32)
    for key in ("incoming/fresh.jpg", "incoming/stale.jpg"):
        results.put(key, probabilities, Outcome())
    expire(jobs_aws, object_pk("incoming/stale.jpg"))
    assert client.get("/results", params={"s3_key": "incoming/fresh.jpg"}).status_code == 200
    response = client.get("/results", params={"s3_key": "incoming/stale.jpg"})
    assert_error(response, 404, "result_not_found")


def test_a_claim_that_is_not_expired_still_refuses_another_request(client, jobs_aws) -> None:
    headers = {"idempotency-key": f"live-{uuid.uuid4()}"}
    assert client.post("/jobs", json={"s3_keys": ["uploads/a"]}, headers=headers).status_code == 202
    other = client.post("/jobs", json={"s3_keys": ["uploads/c"]}, headers=headers)
    assert_error(other, 422, "idempotency_key_reused")
