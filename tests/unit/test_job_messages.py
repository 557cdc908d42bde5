"""Parsing the worker's SQS message bodies: job messages, S3 events, the S3 test event."""

from __future__ import annotations

import json
import uuid

import pytest

from function.jobs.keys import is_job_id
from function.jobs.messages import MalformedMessage, WorkItem, chunk_message, parse_body
from function.jobs.tasks import ExportStep, ListStep, parse_task


def s3_body(*keys: str, bucket: str = "b") -> str:
    records = [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}} for key in keys]
    return json.dumps({"Records": records})


def test_a_chunk_message_round_trips() -> None:
    body = chunk_message("j", 4, None, 3, [(40, "uploads/x"), (41, "uploads/y")])
    assert parse_body(body) == [
        WorkItem(s3_key="uploads/x", top_k=3, job_id="j", index=40, chunk=4),
        WorkItem(s3_key="uploads/y", top_k=3, job_id="j", index=41, chunk=4),
    ]
    assert parse_task(body) is None


def test_a_listed_chunk_names_its_bucket_and_keeps_any_key() -> None:
    key = 'photos/a,b "c"/../x//y.jpg'
    [item] = parse_body(chunk_message("j", 0, "archive", 5, [(0, key)]))
    assert (item.bucket, item.listed, item.s3_key) == ("archive", True, key)


def test_steps_round_trip_and_are_not_images() -> None:
    step = ListStep("j", "archive", "photos/", 5, page=3, token="t", index=3000, chunk=300)
    assert parse_task(step.body()) == step
    assert parse_task(ExportStep("j").body()) == ExportStep("j")
    with pytest.raises(ValueError, match="malformed list"):
        parse_task('{"kind": "list", "job_id": "j"}')
    with pytest.raises(MalformedMessage):
        parse_body(step.body())


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("incoming/cat+photo.jpg", "incoming/cat photo.jpg"),
        ("incoming/cat%20photo.jpg", "incoming/cat photo.jpg"),
        ("incoming/a%2Bb.jpg", "incoming/a+b.jpg"),
        ("incoming/%C3%A9t%C3%A9.jpg", "incoming/été.jpg"),
        ("incoming/%281%29.jpg", "incoming/(1).jpg"),
    ],
)
def test_s3_event_keys_are_url_decoded(encoded: str, decoded: str) -> None:
    assert parse_body(s3_body(encoded)) == [WorkItem(s3_key=decoded, bucket="b")]


def test_every_record_of_an_s3_event_is_work() -> None:
    assert [item.s3_key for item in parse_body(s3_body("incoming/a", "incoming/b"))] == [
        "incoming/a",
        "incoming/b",
    ]


def test_the_s3_test_event_asks_for_nothing() -> None:
    body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"})
    assert parse_body(body) == []


@pytest.mark.parametrize(
    "body", ["", "{", "[]", "42", '{"job_id": "j"}', '{"Records": [{"s3": {}}]}', '"text"']
)
def test_bodies_neither_producer_sends_are_malformed(body: str) -> None:
    with pytest.raises(MalformedMessage):
        parse_body(body)


def test_only_canonical_uuid4_strings_are_job_ids() -> None:
    job_id = str(uuid.uuid4())
    assert is_job_id(job_id)
    assert not is_job_id(job_id.upper())
    assert not is_job_id(str(uuid.uuid1()))
    assert not is_job_id(job_id.replace("-", ""))
    assert not is_job_id("job#" + job_id)
