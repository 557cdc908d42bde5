"""`make bench` (cost): what a bulk job costs per million images, from counted AWS requests.

A job of IMAGES distinct images, already in S3, goes through the real API (POST /jobs, then
GET /jobs/{id}) and the real worker handler, against in-process moto. A stand-in for
Lambda's SQS event source receives batches of 10, invokes the worker and deletes what it did
not report as failed, as the event source does (and bills). Every AWS request of the API, the
worker and the poller is counted by bench/cost_meter.py, DynamoDB in capacity units; the
worker's seconds are timed with one torch thread, as at 1769 MB (one vCPU). Prices:
bench/prices.py. Writes docs/cost.json and docs/COST.md (bench/cost_report.py).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[1:1] = [str(REPO), str(REPO / "scripts"), str(REPO / "bench")]

IMAGES = int(os.environ.get("COST_IMAGES", "2000"))
PREFIX = "uploads/archive-2026/"  # under UPLOAD_PREFIX, which key-list jobs require
BUCKET, TABLE, QUEUE = "cost-images", "cost-results", "cost-jobs"
OUT = REPO / "docs" / "cost.json"


def small_jpeg(seed: int) -> bytes:
    """A distinct 320x240 photo-like JPEG (about 20 KB) per seed: the cache never hits."""
    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, 320, dtype=np.float32)[None, :, None] * rng.uniform(0.3, 1, 3)
    pixels = np.clip(base + rng.normal(0, 12, (240, 320, 3)), 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def environment() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        IMAGES_BUCKET=BUCKET,
        RESULTS_TABLE=TABLE,
        TORCH_THREADS="1",
        ENV_FILE="",
        POWERTOOLS_METRICS_NAMESPACE="Bench",
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_DISABLED="true",
    )
    os.environ.setdefault("MODEL_DIR", str(REPO / "model"))


def create_resources(boto3: Any) -> tuple[str, list[str]]:
    from function.aws.results import TABLE_SCHEMA

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    boto3.client("dynamodb").create_table(TableName=TABLE, **TABLE_SCHEMA)
    queue = boto3.client("sqs").create_queue(QueueName=QUEUE)["QueueUrl"]
    os.environ["JOBS_QUEUE_URL"] = queue
    keys = [f"{PREFIX}{index:07d}.jpg" for index in range(IMAGES)]
    for index, key in enumerate(keys):
        s3.put_object(Bucket=BUCKET, Key=key, Body=small_jpeg(index))
    return queue, keys


def submit(client: Any, keys: list[str]) -> tuple[list[str], str, int]:
    """The job(s), one prefix job where the API offers it, else key lists of up to 1000; and
    the API requests that took."""
    answer = client.post("/jobs", json={"s3_prefix": PREFIX, "bucket": BUCKET, "top_k": 5})
    if answer.status_code == 202:
        return [answer.json()["job_id"]], "prefix", 1
    ids = []
    for start in range(0, len(keys), 1000):
        body = {"s3_keys": keys[start : start + 1000], "top_k": 5}
        answer = client.post("/jobs", json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert answer.status_code == 202, answer.text
        ids.append(answer.json()["job_id"])
    return ids, "s3_keys", 1 + len(ids)


def drain(sqs: Any, queue: str, handler: Any) -> tuple[int, float]:
    """Lambda's SQS event source, as bills count it: (invocations, worker seconds)."""
    from local_worker import lambda_context, sqs_event

    invocations, seconds, empty = 0, 0.0, 0
    while empty < 3:
        messages = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            empty += 1
            time.sleep(0.2)
            continue
        empty = 0
        event = sqs_event(messages, f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}", "us-east-1")
        started = time.perf_counter()
        answer = handler(event, lambda_context())
        seconds += time.perf_counter() - started
        invocations += 1
        failed = {failure["itemIdentifier"] for failure in answer.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
            ]
            sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
    return invocations, seconds


def main() -> None:
    environment()
    import boto3
    from cost_meter import AwsMeter
    from cost_report import write_report
    from fastapi.testclient import TestClient
    from moto import mock_aws

    from function.aws import clients

    with mock_aws():
        queue, keys = create_resources(boto3)
        clients.reset()
        meter = AwsMeter(boto3.client("dynamodb"))
        meter.attach(clients._session())
        from function.handler import app
        from function.worker import handler

        client = TestClient(app, raise_server_exceptions=False)
        job_ids, form, api_requests = submit(client, keys)
        invocations, seconds = drain(clients.client("sqs"), queue, handler)
        finals = [client.get(f"/jobs/{job_id}").json() for job_id in job_ids]
        api_requests += len(finals)
    counted = sum(job.get("succeeded", 0) + job.get("failed", 0) for job in finals)
    assert counted == IMAGES, f"counted {counted} of {IMAGES}: {finals[0]}"
    measured = {
        "images": IMAGES,
        "job_form": form,
        "requests": {f"{s}:{op}": n for (s, op), n in sorted(meter.requests.items())},
        "dynamodb_write_units": meter.write_units,
        "dynamodb_read_units": meter.read_units,
        "most_written_item_writes": max(meter.writes_per_key.values(), default=0),
        "worker_invocations": invocations,
        "worker_seconds": round(seconds, 2),
        "api_requests": api_requests,
    }
    OUT.write_text(json.dumps(measured, indent=2) + "\n")
    write_report(measured)


if __name__ == "__main__":
    main()
