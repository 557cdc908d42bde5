"""S3 counts a key's 1024 in UTF-8 bytes, and so does every check here: a key of 1024
four-byte characters is 4096 bytes. No input reaches DynamoDB in a shape it refuses, and if
one ever did (a ValidationException), that is our bug: a 500 in the log, never a 503 "retry"
that leaves the Idempotency-Key claimed."""

from __future__ import annotations

import pytest
from aws_fixtures import aws
from botocore.exceptions import ClientError
from jobs_fixtures import jobs_aws
from test_api import assert_error

from function.aws import clients

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
FOUR_BYTES = "\U0001f600"  # one character, four bytes of UTF-8
# 1024 characters, 4069 bytes: a character count lets it through.
TOO_LONG = "incoming/" + FOUR_BYTES * 1015
# 1024 bytes exactly: the longest key S3 stores.
LONGEST = "incoming/" + FOUR_BYTES * 253 + "abc"


def test_the_sample_keys_are_what_they_claim() -> None:
    assert (len(TOO_LONG), len(TOO_LONG.encode())) == (1024, 4069)
    assert len(LONGEST.encode()) == 1024


def test_a_job_of_keys_over_1024_bytes_is_400_and_frees_its_idempotency_key(
    client, jobs_aws
) -> None:
    headers = {"idempotency-key": "fix-and-retry"}
    keys = [TOO_LONG[:-3] + f"{i:03d}" for i in range(100)]  # 100 of them: ~400 KB of keys
    response = client.post("/jobs", json={"s3_keys": keys}, headers=headers)
    assert_error(response, 400, "invalid_s3_key")
    assert "s3_keys[0]" in response.json()["error"]["message"]
    assert "1024 bytes" in response.json()["error"]["message"]
    assert jobs_aws.receive_all() == []
    # The caller fixes the keys and retries under the same key: a new job, not a 422.
    fixed = client.post("/jobs", json={"s3_keys": ["uploads/a"]}, headers=headers)
    assert fixed.status_code == 202, fixed.text


def test_a_job_of_keys_of_exactly_1024_bytes_is_accepted(client, jobs_aws) -> None:
    keys = [LONGEST[:-3] + f"{i:03d}" for i in range(100)]
    response = client.post("/jobs", json={"s3_keys": keys})
    assert response.status_code == 202, response.text
    page = client.get(response.headers["location"]).json()
    assert [entry["s3_key"] for entry in page["results"]] == keys


def test_a_result_for_a_key_over_1024_bytes_is_400(client, jobs_aws) -> None:
    assert_error(client.get("/results", params={"s3_key": TOO_LONG}), 400, "invalid_s3_key")
    pending = client.get("/results", params={"s3_key": LONGEST})
    assert_error(pending, 404, "result_not_found")


@pytest.mark.parametrize("prefix", ["uploads/", "incoming/"])
def test_classify_and_batches_refuse_keys_over_1024_bytes(client, jobs_aws, prefix) -> None:
    key = prefix + FOUR_BYTES * (1024 - len(prefix))
    assert_error(client.post("/classify", json={"s3_key": key}), 400, "invalid_s3_key")
    batch = client.post("/classify/batch", json={"s3_keys": [key]})
    assert batch.status_code == 200, batch.text
    assert batch.json()["results"][0]["error"]["code"] == "invalid_s3_key"


def test_a_dynamodb_validation_exception_is_a_logged_500_that_frees_the_key(
    client, jobs_aws, caplog
) -> None:
    def refuse(**_):
        error = {"Code": "ValidationException", "Message": "Item size has exceeded the maximum"}
        raise ClientError({"Error": error}, "UpdateItem")

    dynamodb = clients.client("dynamodb")
    dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", refuse, unique_id="bug")
    headers = {"idempotency-key": "hit-a-bug"}
    response = client.post("/jobs", json={"s3_keys": ["uploads/a"]}, headers=headers)
    assert_error(response, 500, "internal_error")
    assert "Item size" not in response.text
    assert any("a bug" in record.getMessage() for record in caplog.records)
    dynamodb.meta.events.unregister("before-call.dynamodb.UpdateItem", unique_id="bug")
    other = client.post("/jobs", json={"s3_keys": ["uploads/b"]}, headers=headers)
    assert other.status_code == 202, other.text


def test_a_dynamodb_validation_exception_on_a_read_is_500_not_503(client, jobs_aws) -> None:
    def refuse(**_):
        raise ClientError({"Error": {"Code": "ValidationException"}}, "GetItem")

    clients.client("dynamodb").meta.events.register("before-call.dynamodb.GetItem", refuse)
    assert_error(client.get("/results", params={"s3_key": "incoming/a"}), 500, "internal_error")
