"""When a batch fails as a whole, only the guilty message is retried; near the function's
time-out, what is left is reported as failed messages; reads wait for room in memory."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
from aws_fixtures import aws
from jobs_fixtures import jobs_aws, worker_handler
from local_worker import lambda_context, sqs_event
from photos import photo_bytes

from function.inference.classifier import get_classifier
from function.inference.pipeline import prepare_image
from function.jobs import image_pipeline, worker_batch
from function.jobs.byte_budget import ByteBudget

__all__ = ["aws", "jobs_aws"]  # fixtures, imported for pytest

PHOTOS = ["chelsea", "astronaut", "coffee"]
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:test-jobs"


class Jobs(dict):
    """One job of one image per key (a job's message is a chunk: one message per image here)."""

    def results(self, client) -> dict[str, dict]:
        """Each key's entry in its job's results, with its job's counts beside it."""
        shown = {}
        for key, job_id in self.items():
            job = client.get(f"/jobs/{job_id}").json()
            [entry] = job["results"]
            shown[key] = {**entry, "succeeded": job["succeeded"], "failed": job["failed"]}
        return shown


def submit_and_receive(client, jobs_aws, images: dict[str, bytes]) -> tuple[Jobs, dict, dict]:
    """A job per image: their ids by key, the SQS event of their messages, each key's message."""
    jobs = Jobs()
    for name, data in images.items():
        key = jobs_aws.put(f"uploads/{name}", data)
        response = client.post("/jobs", json={"s3_keys": [key], "top_k": 3})
        assert response.status_code == 202, response.text
        jobs[key] = response.json()["job_id"]
    messages = jobs_aws.receive_all()
    by_key = {json.loads(m["Body"])["items"][0][1]: m["MessageId"] for m in messages}
    event = sqs_event(messages, QUEUE_ARN, "us-east-1")
    return jobs, event, by_key


def failed_ids(answer: dict) -> set[str]:
    return {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}


def tensor_of(data: bytes, jobs_aws) -> np.ndarray:
    model = get_classifier()
    return prepare_image(data, model.preprocessing, jobs_aws.settings, {})


def contains(batch: np.ndarray, tensor: np.ndarray) -> bool:
    return any(np.array_equal(row, tensor) for row in batch)


@pytest.mark.parametrize("failure", [RuntimeError("the model broke"), MemoryError()])
def test_a_batch_that_fails_as_a_whole_retries_only_the_guilty_message(
    client, jobs_aws, monkeypatch, failure: BaseException
) -> None:
    images = {name: photo_bytes(name) for name in PHOTOS}
    jobs, event, message_of = submit_and_receive(client, jobs_aws, images)
    poison = tensor_of(images["astronaut"], jobs_aws)
    model = get_classifier()
    original = model.probabilities
    batch_sizes: list[int] = []

    def failing(batch: np.ndarray) -> np.ndarray:
        batch_sizes.append(len(batch))
        if contains(batch, poison):
            raise failure
        return original(batch)

    monkeypatch.setattr(model, "probabilities", failing)
    answer = worker_handler()(event, lambda_context())
    assert failed_ids(answer) == {message_of["uploads/astronaut"]}
    assert batch_sizes[0] == 3  # one batch first, then image by image
    shown = jobs.results(client)
    assert sum(entry["succeeded"] for entry in shown.values()) == 2
    assert sum(entry["failed"] for entry in shown.values()) == 0
    status = {key: entry["status"] for key, entry in shown.items()}
    assert status == {
        "uploads/chelsea": "succeeded",
        "uploads/astronaut": "pending",
        "uploads/coffee": "succeeded",
    }


def test_near_the_time_out_what_is_left_is_reported_not_timed_out(
    client, jobs_aws, monkeypatch
) -> None:
    images = {f"{name}-{i}": photo_bytes(name) for i in range(2) for name in PHOTOS}
    jobs, event, message_of = submit_and_receive(client, jobs_aws, images)
    slow = tensor_of(images["coffee-1"], jobs_aws)
    model = get_classifier()
    original = model.probabilities
    release = threading.Event()

    def stuck_on_one_image(batch: np.ndarray) -> np.ndarray:
        if contains(batch, slow):
            release.wait(30)  # as if the model hung on it
        return original(batch)

    monkeypatch.setattr(model, "probabilities", stuck_on_one_image)
    monkeypatch.setattr(image_pipeline, "MIN_GROUP", 2)  # several groups: some finish in time
    timeout_at = time.monotonic() + worker_batch.STOP_CLASSIFYING_SECONDS + 3.0
    context = lambda_context()
    context.get_remaining_time_in_millis = lambda: int((timeout_at - time.monotonic()) * 1000)
    try:
        answer = worker_handler()(event, context)
        answered_at = time.monotonic()
    finally:
        release.set()
    assert answered_at < timeout_at - 1.0  # answered, not killed by Lambda
    failed = failed_ids(answer)
    assert message_of["uploads/coffee-1"] in failed
    shown = jobs.results(client)
    assert sum(entry["succeeded"] for entry in shown.values()) == len(images) - len(failed)
    for key, entry in shown.items():
        pending = message_of[key] in failed
        assert entry["status"] == ("pending" if pending else "succeeded"), entry


def test_reads_wait_for_room_in_memory(client, jobs_aws, monkeypatch) -> None:
    images = {
        f"{name}-{i}": photo_bytes(name, size=(900, 700)) for i in range(2) for name in PHOTOS
    }
    jobs, event, _ = submit_and_receive(client, jobs_aws, images)
    limit = int(max(len(data) for data in images.values()) * 2.5)
    budgets: list[ByteBudget] = []

    class Recorded(ByteBudget):
        def __init__(self, size: int, deadline: float) -> None:
            super().__init__(size, deadline)
            budgets.append(self)

    monkeypatch.setattr(worker_batch, "budget_bytes", lambda settings, memory_mb: limit)
    monkeypatch.setattr(worker_batch, "ByteBudget", Recorded)
    answer = worker_handler()(event, lambda_context())
    assert answer == {"batchItemFailures": []}
    [budget] = budgets
    assert max(len(data) for data in images.values()) <= budget.peak <= limit
    assert budget.used == 0  # every read gave its bytes back
    assert sum(entry["succeeded"] for entry in jobs.results(client).values()) == len(images)
