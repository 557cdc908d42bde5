"""Parsing the worker's SQS message bodies: job messages, S3 events, the S3 test event."""

from __future__ import annotations

import json
import uuid

import pytest

from function.jobs.keys import is_job_id
from function.jobs.messages import MalformedMessage, WorkItem, job_message, parse_body


def s3_body(*keys: str, bucket: str = "b") -> str:
    records = [{"s3": {"bucket": {"name": bucket}, "object": {"key": key}}} for key in keys]
    return json.dumps({"Records": records})


def test_a_job_message_round_trips() -> None:
    body = job_message("j", 7, "uploads/x", 3)
    assert parse_body(body) == [WorkItem(s3_key="uploads/x", top_k=3, job_id="j", index=7)]


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
