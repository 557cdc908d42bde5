"""Prefix jobs against moto: a source bucket, many small objects, and worker loops in threads.

The loops do what Lambda's SQS event source does (scripts/local_worker.py's poll_once), several
at once, and inject what SQS may do: deliver a message twice, and deliver a whole batch again
when its deletes were lost. moto runs each call in the caller's thread without isolation, so
`serializable_dynamodb` gives its DynamoDB backend one lock: DynamoDB's own transactions are
serializable, and the tests check this code's exactly-once, not moto's races.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from local_worker import lambda_context, sqs_event
from PIL import Image

from function.api.dependencies import current_settings
from function.cache.content import get_worker_cache
from function.shared.settings import get_settings

SOURCE = "test-archive"  # a second bucket, named in SOURCE_BUCKETS
ARN = "arn:aws:sqs:us-east-1:123456789012:test-jobs"


def tiny_image(shade: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (shade, 255 - shade, 128)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def serializable_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("transact_write_items", "update_item", "put_item", "get_item", "batch_get_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, _original: Callable = original, **kwargs: Any) -> Any:
            with lock:
                return _original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.fixture
def source_bucket(jobs_aws, handler_module, monkeypatch: pytest.MonkeyPatch) -> str:
    """SOURCE_BUCKETS names a second bucket; the worker's cache keeps decoded bodies."""
    jobs_aws.aws.s3.create_bucket(Bucket=SOURCE)
    monkeypatch.setenv("SOURCE_BUCKETS", f"{SOURCE}, other-allowed")
    monkeypatch.setenv("CACHE_SIZE", "64")  # the objects share a few bodies: one inference each
    get_settings.cache_clear()
    get_worker_cache.cache_clear()
    settings = get_settings()
    jobs_aws.settings = settings
    handler_module.app.dependency_overrides[current_settings] = lambda: settings
    return SOURCE


@dataclass
class WorkerPool:
    """Worker loops in threads, each receiving batches of up to ten and calling the handler."""

    sqs: Any
    queue_url: str
    handler: Callable
    duplicate_every: int = 0  # every n-th batch, one of its messages is sent again
    redeliver_every: int = 0  # every n-th batch is handled but not deleted: it comes back
    batches: int = 0
    handled: int = 0
    errors: list[BaseException] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, threads: int, done: Callable[[], bool], timeout: float = 120) -> None:
        stop = threading.Event()
        workers = [threading.Thread(target=self._loop, args=(stop,)) for _ in range(threads)]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + timeout
        try:
            while not done() and not self.errors:
                if time.monotonic() > deadline:
                    raise AssertionError("the job did not finish in time")
                time.sleep(0.2)
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        if self.errors:
            raise self.errors[0]

    def _loop(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.once():
                    time.sleep(0.05)
        except BaseException as exc:  # the test thread raises it
            self.errors.append(exc)

    def once(self) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=60,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        with self._lock:
            self.batches += 1
            number = self.batches
        if self.duplicate_every and number % self.duplicate_every == 0:
            self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=messages[0]["Body"])
        answer = self.handler(sqs_event(messages, ARN, "us-east-1"), lambda_context())
        failed = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
        redeliver = self.redeliver_every and number % self.redeliver_every == 0
        for message in messages:
            if message["MessageId"] in failed or redeliver:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        with self._lock:
            self.handled += len(messages)
        return len(messages)


def exported(client, job_id: str) -> tuple[list[dict], list[list[str]], dict]:
    """The job's export, downloaded through its presigned links: JSONL lines, CSV rows, body."""
    job = client.get(f"/jobs/{job_id}").json()
    links = job["export"]
    lines = requests.get(links["jsonl"], timeout=10)
    table = requests.get(links["csv"], timeout=10)
    assert lines.status_code == table.status_code == 200
    rows = list(csv.reader(io.StringIO(table.content.decode(), newline="")))
    return [json.loads(line) for line in lines.text.splitlines()], rows, job
