"""The worker without Lambda: poll the jobs queue and call the worker handler with SQS events.

`make run AWS=local` runs this beside the API (scripts/local_aws.py). It does what Lambda's
SQS event source does: receive up to BATCH_SIZE messages, invoke the handler with an event of
the same shape, delete the messages the handler did not report in batchItemFailures, and let
the others reappear after the queue's visibility timeout. The tests drive poll_once directly.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

BATCH_SIZE = int(os.environ.get("WORKER_BATCH_SIZE", "10"))
WAIT_SECONDS = 2


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Lambda's SQS event for messages from ReceiveMessage (AttributeNames=["All"])."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def lambda_context(name: str = "WorkerFunction") -> SimpleNamespace:
    return SimpleNamespace(
        function_name=name,
        function_version="$LATEST",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        memory_limit_in_mb=3008,
        aws_request_id="local",
        get_remaining_time_in_millis=lambda: 60_000,
    )


def poll_once(
    sqs: Any, queue_url: str, handler: Callable, batch_size: int = BATCH_SIZE, wait: int = 0
) -> tuple[int, list[str]]:
    """One receive-invoke-delete round: (messages handled, message ids that failed)."""
    messages = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=batch_size,
        WaitTimeSeconds=wait,
        AttributeNames=["All"],
    ).get("Messages", [])
    if not messages:
        return 0, []
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    event = sqs_event(messages, arn["Attributes"]["QueueArn"], sqs.meta.region_name)
    answer = handler(event, lambda_context())
    failed = [failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])]
    done = [m for m in messages if m["MessageId"] not in failed]
    for start in range(0, len(done), 10):
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
            for i, m in enumerate(done[start : start + 10])
        ]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
    return len(messages), failed


def main() -> int:
    import boto3

    from function.worker import handler  # loads and warms the model

    sqs = boto3.client("sqs")
    queue_url = os.environ["JOBS_QUEUE_URL"]
    print(f"worker: polling {queue_url}, batches of {BATCH_SIZE}", flush=True)
    while True:
        started = time.perf_counter()
        handled, failed = poll_once(sqs, queue_url, handler, wait=WAIT_SECONDS)
        if handled:
            took = time.perf_counter() - started
            print(f"worker: {handled} messages in {took:.2f} s, {len(failed)} failed", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
