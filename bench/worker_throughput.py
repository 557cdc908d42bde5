"""`make bench` (worker): images per second of one worker environment per SQS batch size.

The worker handler (function.worker.handler) is fed SQS events of 1, 5 and 10 job messages,
against in-process moto (S3, DynamoDB, SQS), so the AWS calls cost CPU time here rather
than the milliseconds they cost in a region: the figures are the compute side of a worker.
Batch sizes take turns round by round, so that load from other processes hits them alike.
"Model only" is decode, preprocess and one forward pass of the same images on the model
thread; "pipeline only" is function.jobs.image_pipeline.classify (S3 reads, decoding and
inference overlapped) without the cache or result writes, so the two ratios separate what
the pipeline achieves from what the per-image writes cost.
Also measures the worker's init (import, model load, warm-up) against the API handler's.
Writes docs/worker-throughput.json; the numbers are quoted in docs/SCALING.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[1:1] = [str(REPO), str(REPO / "tests"), str(REPO / "scripts")]

from local_worker import lambda_context, sqs_event  # noqa: E402
from moto_lock import serialize_moto  # noqa: E402
from photos import PHOTOS, encode, photo  # noqa: E402

BATCH_SIZES = (1, 5, 10)
ROUNDS = 5  # per round: 10 images at each batch size (10 x 1, 2 x 5, 1 x 10)
IMAGE_SIZE = (1600, 1200)  # a 2 MP photo; bigger ones decode at reduced scale anyway
INIT_RUNS = 3
OUT = REPO / "docs" / "worker-throughput.json"


def image(seed: int) -> bytes:
    """A distinct JPEG per seed, so that the content cache never hits."""
    source = photo(sorted(PHOTOS)[seed % len(PHOTOS)]).convert("RGB").resize(IMAGE_SIZE)
    grain = np.random.default_rng(seed).normal(0, 2.0, (IMAGE_SIZE[1], IMAGE_SIZE[0], 3))
    pixels = np.clip(np.asarray(source, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels), "JPEG", quality=88)


def init_seconds(module: str) -> float:
    """Median wall time of a fresh interpreter importing the module (Lambda's init phase)."""
    probe = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", probe],
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
                env=os.environ,
            ).stdout.split()[-1]
        )
        for _ in range(INIT_RUNS)
    ]
    return statistics.median(runs)


def pipeline_seconds(keys: list[str]) -> float:
    """The worker's pipeline alone (function.jobs.image_pipeline.classify): S3 reads, decoding
    and inference, overlapped, without the cache or any result write."""
    from function.cache.content import ContentCache
    from function.inference.classifier import get_classifier
    from function.jobs.byte_budget import ByteBudget
    from function.jobs.image_pipeline import classify
    from function.jobs.messages import WorkItem
    from function.shared.settings import get_settings

    items = [WorkItem(s3_key=key) for key in keys]
    budget = ByteBudget(10**9, time.monotonic() + 60)
    began = time.perf_counter()
    results = list(
        classify(items, get_classifier(), get_settings(), ContentCache(None, None, 0), {}, budget)
    )
    took = time.perf_counter() - began
    assert len(results) == len(items)
    assert not any(isinstance(r, Exception) for _, r in results)
    return took


def empty_table(name: str) -> None:
    """Untimed: moto's TransactWriteItems deep-copies the whole table (once per item of the
    transaction), so in moto its cost grows with the table; DynamoDB's does not. Emptied after
    every batch, the table costs the same in every round."""
    import boto3

    dynamodb = boto3.client("dynamodb")
    for page in dynamodb.get_paginator("scan").paginate(TableName=name, ProjectionExpression="pk"):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=name, Key={"pk": item["pk"]})


def main() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        IMAGES_BUCKET="bench-images",
        RESULTS_TABLE="bench-results",
        CACHE_SIZE="0",
        POWERTOOLS_LOG_LEVEL="WARNING",
        TORCH_CPP_LOG_LEVEL="ERROR",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    init = {name: init_seconds(name) for name in ("function.worker", "function.handler")}
    import boto3
    from moto import mock_aws

    serialize_moto()  # moto is not thread-safe; the worker calls it from several threads

    from function.aws.results import TABLE_SCHEMA
    from function.jobs.messages import chunk_message
    from function.jobs.store import JobStore

    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="bench-images")
        boto3.client("dynamodb").create_table(TableName="bench-results", **TABLE_SCHEMA)
        # A counted job queues its export step: the queue must exist (its messages stay there).
        queue = boto3.client("sqs").create_queue(QueueName="bench")
        os.environ["JOBS_QUEUE_URL"] = queue["QueueUrl"]
        from function.inference.classifier import get_classifier
        from function.inference.model_thread import on_model_thread
        from function.inference.scoring import score_images
        from function.shared.settings import get_settings
        from function.worker import handler

        seconds: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
        compute: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
        pipeline: dict[int, list[float]] = {size: [] for size in BATCH_SIZES}
        seed = 0
        for round_number in range(ROUNDS + 1):  # round 0 warms every path up, unrecorded
            for size in BATCH_SIZES:
                job_id, keys = str(uuid.uuid4()), []
                for _ in range(10):
                    key = f"uploads/bench-{seed}"
                    boto3.client("s3").put_object(Bucket="bench-images", Key=key, Body=image(seed))
                    keys.append(key)
                    seed += 1
                JobStore("bench-results", 1).create(job_id, keys, 5)
                for start in range(0, 10, size):
                    messages = [
                        {
                            "MessageId": str(uuid.uuid4()),
                            "ReceiptHandle": "r",
                            "MD5OfBody": "m",
                            # One image per chunk message: the batch sizes stay images.
                            "Body": chunk_message(job_id, i, None, 5, [(i, keys[i])]),
                        }
                        for i in range(start, start + size)
                    ]
                    event = sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:b", "us-east-1")
                    began = time.perf_counter()
                    answer = handler(event, lambda_context())
                    took = time.perf_counter() - began
                    assert answer == {"batchItemFailures": []}, answer
                    # The same images again, model work only: decode, preprocess, one forward.
                    data = [image(seed - 10 + i) for i in range(start, start + size)]
                    began = time.perf_counter()
                    on_model_thread(score_images, data, get_classifier(), get_settings(), {})
                    computed = time.perf_counter() - began
                    piped = pipeline_seconds(keys[start : start + size])
                    if round_number:
                        seconds[size].append(took)
                        compute[size].append(computed)
                        pipeline[size].append(piped)
                empty_table("bench-results")
    per_size = {
        str(size): {
            "images_per_second": round(size * len(runs) / sum(runs), 2),
            "model_only_images_per_second": round(size * len(runs) / sum(compute[size]), 2),
            "pipeline_only_images_per_second": round(size * len(runs) / sum(pipeline[size]), 2),
            "handler_over_model_only": round(sum(compute[size]) / sum(runs), 2),
            "pipeline_over_model_only": round(sum(compute[size]) / sum(pipeline[size]), 2),
            "median_batch_ms": round(statistics.median(runs) * 1000, 1),
            "batches": len(runs),
        }
        for size, runs in seconds.items()
    }
    report = {
        "image": f"{IMAGE_SIZE[0]}x{IMAGE_SIZE[1]} JPEG, distinct per message (no cache hits)",
        "cpus": len(os.sched_getaffinity(0)),
        "load_average": round(os.getloadavg()[0], 1),
        "per_batch_size": per_size,
        "init_seconds": {name: round(value, 2) for name, value in init.items()},
    }
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
