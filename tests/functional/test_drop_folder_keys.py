"""The drop folder takes any name S3 can hold, orders results by the events' sequencers, and
records nothing for an event of another bucket."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import pytest
from aws_fixtures import BUCKET, TABLE, aws
from jobs_fixtures import jobs_aws, worker_handler
from local_worker import lambda_context
from photos import photo_bytes
from worker_events import s3_put, sqs_record

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest

# Names people give files, which the strict check for UPLOAD_PREFIX keys refuses.
ODD_KEYS = [
    "incoming/Final..v2.png",
    "incoming/a//b.jpg",
    "incoming/Фото кота.jpg",
    "incoming/猫の写真 (1).jpg",
    "incoming/a+b c&d=e%20f?.jpg",
    "incoming/../escape.jpg",
]
OLDER = "9F1B2C3D4E5F6789"  # 16 digits: older, although "9" sorts after "0" as text
NEWER = "00A01B2C3D4E5F678901"  # 20 digits: left-padded to compare, it is the greater


def event(key: str, sequencer: str | None = None, bucket: str = BUCKET) -> dict:
    """An SQS event carrying S3's notification for `key`, encoded as S3 encodes it."""
    body = s3_put(bucket, quote_plus(key, safe="/"), 1000)
    if sequencer is None:
        del body["Records"][0]["s3"]["object"]["sequencer"]
    else:
        body["Records"][0]["s3"]["object"]["sequencer"] = sequencer
    return {"Records": [sqs_record(1, json.dumps(body))]}


def run(worker_event: dict) -> None:
    assert worker_handler()(worker_event, lambda_context()) == {"batchItemFailures": []}


def stored(jobs_aws, key: str) -> dict | None:
    found = jobs_aws.aws.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"object#{key}"}})
    return found.get("Item")


def test_any_name_s3_announces_is_classified_and_found(client, jobs_aws) -> None:
    jobs_aws.notify_incoming()  # moto's own notification, keys URL-encoded as S3 does
    for key in ODD_KEYS:
        jobs_aws.put(key, photo_bytes("chelsea", "PNG" if key.endswith(".png") else "JPEG"))
    assert jobs_aws.drain(worker_handler()) == []
    for key in ODD_KEYS:
        response = client.get("/results", params={"s3_key": key, "top_k": 2})
        assert response.status_code == 200, (key, response.text)
        assert response.json()["s3_key"] == key
        assert len(response.json()["predictions"]) == 2


def test_the_query_may_be_percent_encoded_by_hand(client, jobs_aws) -> None:
    key = "incoming/Фото кота.jpg"
    jobs_aws.put(key, photo_bytes("coffee"))
    run(event(key))
    response = client.get("/results?s3_key=" + quote_plus(key) + "&top_k=1")
    assert response.status_code == 200, response.text
    assert response.json()["s3_key"] == key


@pytest.mark.parametrize(
    "key",
    [
        "incoming/" + "é" * 508,  # 517 characters, 1025 UTF-8 bytes: longer than S3 allows
        "uploads/Final..v2.png",  # not under INCOMING_PREFIX
        "incoming/",
        "elsewhere/incoming/x.jpg",
    ],
)
def test_only_what_cannot_be_a_drop_folder_key_is_refused(client, jobs_aws, key: str) -> None:
    response = client.get("/results", params={"s3_key": key})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_s3_key"


def test_the_longest_key_is_found(client, jobs_aws) -> None:
    key = "incoming/" + "é" * 507 + "x"  # exactly 1024 UTF-8 bytes
    assert len(key.encode()) == 1024
    jobs_aws.put(key, photo_bytes("coffee"))
    run(event(key))
    assert client.get("/results", params={"s3_key": key}).status_code == 200


def test_a_stale_event_never_replaces_a_newer_result(client, jobs_aws) -> None:
    key = "incoming/replaced.jpg"
    jobs_aws.put(key, photo_bytes("coffee"))  # the newer upload
    run(event(key, NEWER))
    newer = stored(jobs_aws, key)
    # The older upload's event, whose read saw the older content, finishes last.
    jobs_aws.put(key, photo_bytes("chelsea"))
    run(event(key, OLDER))
    assert stored(jobs_aws, key) == newer
    # The guard is worth something only if the older content scores differently.
    jobs_aws.put("incoming/control.jpg", photo_bytes("chelsea"))
    run(event("incoming/control.jpg", OLDER))
    control = stored(jobs_aws, "incoming/control.jpg")
    assert control["probabilities"] != newer["probabilities"]


def test_a_newer_event_replaces_an_older_result(client, jobs_aws) -> None:
    key = "incoming/updated.jpg"
    jobs_aws.put(key, photo_bytes("chelsea"))
    run(event(key, OLDER))
    older = stored(jobs_aws, key)
    jobs_aws.put(key, photo_bytes("coffee"))
    run(event(key, NEWER))
    newer = stored(jobs_aws, key)
    assert newer["probabilities"] != older["probabilities"]
    assert newer["sequencer"]["S"].endswith(NEWER)


def test_the_same_event_delivered_again_is_no_failure(client, jobs_aws) -> None:
    key = "incoming/twice.jpg"
    jobs_aws.put(key, photo_bytes("coffee"))
    run(event(key, NEWER))
    first = stored(jobs_aws, key)
    run(event(key, NEWER))  # SQS delivers at least once
    again = stored(jobs_aws, key)
    assert again["probabilities"] == first["probabilities"]
    assert again["sequencer"] == first["sequencer"]
    assert client.get("/results", params={"s3_key": key}).status_code == 200


def test_an_event_of_another_bucket_records_nothing(client, jobs_aws) -> None:
    key = "incoming/same-name.jpg"
    jobs_aws.put(key, photo_bytes("coffee"))
    run(event(key, OLDER))
    ours = stored(jobs_aws, key)
    jobs_aws.aws.s3.create_bucket(Bucket="someone-elses-bucket")
    jobs_aws.aws.s3.put_object(Bucket="someone-elses-bucket", Key=key, Body=b"not an image")
    run(event(key, NEWER, bucket="someone-elses-bucket"))
    assert stored(jobs_aws, key) == ours
    run(event("incoming/only-there.jpg", NEWER, bucket="someone-elses-bucket"))
    assert stored(jobs_aws, "incoming/only-there.jpg") is None
