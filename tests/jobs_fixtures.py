"""moto-backed S3, DynamoDB and SQS (with its DLQ), the app and the worker configured for them.

The worker handler is the one template.yaml's WorkerFunction names in ImageConfig.Command,
and it reads its settings from the environment, as in Lambda.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from aws_fixtures import BUCKET, REGION, TABLE, Aws, make_cache
from cfn import load_template
from local_worker import poll_once

from function.api.dependencies import current_cache, current_settings
from function.cache.content import get_content_cache, get_worker_cache
from function.shared.settings import Settings, get_settings

MAX_RECEIVES = 3  # the template's redrive policy


@dataclass
class JobsAws:
    aws: Aws
    sqs: Any
    queue_url: str
    dlq_url: str
    settings: Settings

    def put(self, key: str, data: bytes) -> str:
        self.aws.s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        return key

    def receive_all(self, url: str | None = None) -> list[dict[str, Any]]:
        """Every visible message, hidden for a while from later receives."""
        messages: list[dict[str, Any]] = []
        while batch := self.sqs.receive_message(
            QueueUrl=url or self.queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            VisibilityTimeout=600,
        ).get("Messages"):
            messages += batch
        return messages

    def notify_incoming(self) -> None:
        """The bucket's own notification (moto sends it, with an s3:TestEvent) feeds the queue,
        as template.yaml configures it: objects created under incoming/."""
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        self.aws.s3.put_bucket_notification_configuration(
            Bucket=BUCKET,
            NotificationConfiguration={
                "QueueConfigurations": [
                    {
                        "QueueArn": queue_arn,
                        "Events": ["s3:ObjectCreated:*"],
                        "Filter": {
                            "Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}
                        },
                    }
                ]
            },
        )

    def drain(self, handler: Callable, batch_size: int = 10, rounds: int = 50) -> list[str]:
        """Feed the queue to the handler until it is empty; every failed message id, in order."""
        failures: list[str] = []
        for _ in range(rounds):
            handled, failed = poll_once(self.sqs, self.queue_url, handler, batch_size)
            failures += failed
            if not handled:
                return failures
        raise AssertionError("the queue never emptied")


def chunk_items(bodies: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The (index, s3_key) pairs that chunk messages carry, in index order."""
    pairs = [(index, key) for b in bodies if b.get("kind") == "chunk" for index, key in b["items"]]
    return sorted(pairs)


def worker_handler() -> Callable:
    """The function template.yaml's WorkerFunction starts: ImageConfig.Command's handler."""
    [command] = load_template()["Resources"]["WorkerFunction"]["Properties"]["ImageConfig"][
        "Command"
    ]
    module, name = command.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


@pytest.fixture
def jobs_aws(aws: Aws, handler_module, model_dir, monkeypatch) -> Iterator[JobsAws]:
    sqs = boto3.client("sqs", REGION)
    dlq_url = sqs.create_queue(QueueName="test-jobs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    redrive = {
        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
        "maxReceiveCount": str(MAX_RECEIVES),
    }
    # Visibility 0: a failed message is back at once, so the tests need not wait for it.
    queue_url = sqs.create_queue(
        QueueName="test-jobs",
        Attributes={"RedrivePolicy": json.dumps(redrive), "VisibilityTimeout": "0"},
    )["QueueUrl"]
    environment = {
        "IMAGES_BUCKET": BUCKET,
        "RESULTS_TABLE": TABLE,
        "JOBS_QUEUE_URL": queue_url,
        "MODEL_DIR": str(model_dir),
        "CACHE_SIZE": "0",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_content_cache.cache_clear()
    get_worker_cache.cache_clear()
    settings = get_settings()
    app = handler_module.app
    app.dependency_overrides[current_settings] = lambda: settings
    app.dependency_overrides[current_cache] = lambda: make_cache(table=True)
    yield JobsAws(aws, sqs, queue_url, dlq_url, settings)
    app.dependency_overrides.clear()
    get_settings.cache_clear()
    get_content_cache.cache_clear()
    get_worker_cache.cache_clear()
