"""The jobs part of `make run AWS=local`: a queue with its DLQ in moto, and the worker loop.

Creates the jobs queue as template.yaml does (dead-letter queue after 3 receives), points the
bucket's notification for INCOMING_PREFIX at it (moto delivers S3 events to SQS as S3 does),
and starts scripts/local_worker.py, which feeds the queue's messages to the worker handler.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QUEUE = "local-jobs"
MAX_RECEIVES = 3
# Short, so that a failed message comes back quickly while you watch; Lambda's is 6x timeout.
VISIBILITY_SECONDS = 10


def create_queue(bucket: str) -> dict[str, str]:
    """The environment that points the API and the worker at the new queue."""
    import boto3

    sqs = boto3.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{QUEUE}-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq)
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}
    queue = sqs.create_queue(
        QueueName=QUEUE,
        Attributes={
            "RedrivePolicy": json.dumps(redrive),
            "VisibilityTimeout": str(VISIBILITY_SECONDS),
        },
    )["QueueUrl"]
    prefix = os.environ.get("INCOMING_PREFIX", "incoming/")
    boto3.client("s3").put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": _arn(sqs, queue),
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                }
            ]
        },
    )
    print(f"moto: SQS queue {QUEUE} (DLQ {QUEUE}-dlq), {bucket}/{prefix} -> queue", flush=True)
    return {"JOBS_QUEUE_URL": queue}


def start_worker() -> subprocess.Popen:
    script = Path(__file__).resolve().parent / "local_worker.py"
    return subprocess.Popen([sys.executable, str(script)])


def _arn(sqs, url: str) -> str:
    answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return answer["Attributes"]["QueueArn"]
