"""Sample SQS events for the worker (`sam local invoke WorkerFunction -e events/<name>.json`).

The shapes follow `sam local generate-event sqs receive-message`, with bodies as the two
producers write them: POST /jobs's chunk messages (up to ten images each), and the bucket's
notification, whose body is the event `sam local generate-event s3 put` makes (keys
URL-encoded) or an s3:TestEvent.
"""

from __future__ import annotations

import json

# The bucket and job the samples name; tests/functional/test_worker_events.py creates them.
SAMPLE_BUCKET = "test-images"
SAMPLE_JOB_ID = "5c1f3a52-8d0e-4c57-9a51-2f4e7b6d9c10"
SAMPLE_JOB_KEYS = ["uploads/sample-cat-photo", "uploads/never-uploaded"]
SAMPLE_DROPPED_KEY = "incoming/cat photo (1).jpg"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:image-classifier-JobsQueue"


def sqs_record(number: int, body: str) -> dict:
    return {
        "messageId": f"19dd0b57-b21e-4ac1-bd88-01bbb068cb{number:02d}",
        "receiptHandle": f"MessageReceiptHandle{number}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795847535000",
            "SenderId": "123456789012",
            "ApproximateFirstReceiveTimestamp": "1795847535001",
        },
        "messageAttributes": {},
        "md5OfBody": "7b270e59b47ff90a553787216d55d91d",
        "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN,
        "awsRegion": "us-east-1",
    }


def s3_put(bucket: str, encoded_key: str, size: int) -> dict:
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2026-11-29T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "EXAMPLE123456789",
                    "x-amz-id-2": "EXAMPLE123/5678abcdefghijklmnopqrstuvwxyzABCDEFGH",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "incoming-to-jobs-queue",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": encoded_key,
                        "size": size,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
        ]
    }


def worker_events() -> dict[str, dict]:
    chunk = {"kind": "chunk", "job_id": SAMPLE_JOB_ID, "chunk": 0, "bucket": None, "top_k": 3}
    job = [json.dumps({**chunk, "items": [list(item) for item in enumerate(SAMPLE_JOB_KEYS)]})]
    test_event = {
        "Service": "Amazon S3",
        "Event": "s3:TestEvent",
        "Time": "2026-11-29T00:00:00.000Z",
        "Bucket": SAMPLE_BUCKET,
        "RequestId": "5582815E1AEA5ADF",
        "HostId": "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
    }
    # S3 encodes keys as an HTML form does: "cat photo (1).jpg" -> "cat+photo+%281%29.jpg".
    put = s3_put(SAMPLE_BUCKET, "incoming/cat+photo+%281%29.jpg", 1024)
    return {
        "worker-sqs-job-batch.json": {"Records": [sqs_record(i, b) for i, b in enumerate(job)]},
        "worker-sqs-s3-put-incoming.json": {
            "Records": [sqs_record(10, json.dumps(test_event)), sqs_record(11, json.dumps(put))]
        },
    }
