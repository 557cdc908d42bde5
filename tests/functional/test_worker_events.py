"""The sample worker events in events/ drive the worker handler as `sam local invoke` would."""

from __future__ import annotations

import json
from pathlib import Path

from aws_fixtures import BUCKET, TABLE, aws
from jobs_fixtures import jobs_aws, worker_handler
from local_worker import lambda_context
from make_events import small_cat_jpeg
from photos import photo_bytes
from worker_events import (
    SAMPLE_BUCKET,
    SAMPLE_DROPPED_KEY,
    SAMPLE_JOB_ID,
    SAMPLE_JOB_KEYS,
)

from function.jobs.store import JobStore

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest
EVENTS = Path(__file__).resolve().parents[2] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_the_sample_bucket_is_the_tests_bucket() -> None:
    assert SAMPLE_BUCKET == BUCKET


def test_every_worker_event_is_replayed_here() -> None:
    replayed = {"worker-sqs-job-batch.json", "worker-sqs-s3-put-incoming.json"}
    assert {p.name for p in EVENTS.glob("worker-*.json")} == replayed


def test_the_job_batch_event_completes_its_job(client, jobs_aws) -> None:
    JobStore(TABLE, 7).create(SAMPLE_JOB_ID, SAMPLE_JOB_KEYS, top_k=3)
    jobs_aws.put(SAMPLE_JOB_KEYS[0], small_cat_jpeg())
    event = load("worker-sqs-job-batch.json")
    assert worker_handler()(event, lambda_context()) == {"batchItemFailures": []}
    assert jobs_aws.drain(worker_handler()) == []  # the export step it queued
    job = client.get(f"/jobs/{SAMPLE_JOB_ID}").json()
    assert (job["status"], job["succeeded"], job["failed"]) == ("done", 1, 1)
    assert len(job["results"][0]["predictions"]) == 3
    assert job["results"][1]["error"]["code"] == "object_not_found"


def test_the_s3_put_event_is_decoded_and_the_test_event_ignored(client, jobs_aws) -> None:
    jobs_aws.put(SAMPLE_DROPPED_KEY, photo_bytes("coffee"))
    event = load("worker-sqs-s3-put-incoming.json")
    assert json.loads(event["Records"][0]["body"])["Event"] == "s3:TestEvent"
    assert worker_handler()(event, lambda_context()) == {"batchItemFailures": []}
    result = client.get("/results", params={"s3_key": SAMPLE_DROPPED_KEY})
    assert result.status_code == 200, result.text
    assert len(result.json()["predictions"]) == 5
