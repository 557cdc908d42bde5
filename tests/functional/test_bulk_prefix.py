"""A whole prefix in one job: listed by the worker, counted exactly once, exported as one file.

Runs POST /jobs, GET /jobs/{id} and the template's worker handler against moto, with several
worker loops at once and duplicate deliveries injected (tests/bulk_fixtures.py).
"""

from __future__ import annotations

import collections
import json
import threading
import time

from aws_fixtures import aws
from bulk_fixtures import (
    SOURCE,
    WorkerPool,
    exported,
    serializable_dynamodb,
    source_bucket,
    tiny_image,
)
from jobs_fixtures import jobs_aws, worker_handler

from function.aws import clients
from function.jobs import ledger
from function.jobs.store import JobStore

__all__ = ["aws", "jobs_aws", "serializable_dynamodb", "source_bucket"]  # fixtures

PREFIX = "photos/2026/"
IMAGES = 1000


def layout() -> dict[str, bytes]:
    """1046 objects under PREFIX (images sharing four bodies, text, empty objects), folder
    markers, and objects beside the prefix that must not be touched."""
    bodies = [tiny_image(shade) for shade in (0, 80, 160, 240)]
    objects: dict[str, bytes] = {}
    for i in range(IMAGES):
        name = f'a,b "quoted" {i}.png' if i % 97 == 0 else f"img-{i:04d}.png"
        objects[f"{PREFIX}{name}"] = bodies[i % len(bodies)]
    for i in range(40):
        objects[f"{PREFIX}notes/{i}.txt"] = b"not an image, just words"
    for i in range(5):
        objects[f"{PREFIX}empty-{i}.jpg"] = b""
    objects[f"{PREFIX}odd-but-real/"] = bodies[0]  # ends in '/', yet has content: an image
    objects[PREFIX] = b""  # folder markers, skipped
    objects[f"{PREFIX}notes/"] = b""
    for outside in ("photos/2025/x.png", "photos/2026", "photos/2026-01/y.png", "other/z.png"):
        objects[outside] = bodies[1]
    return objects


def inside(objects: dict[str, bytes]) -> set[str]:
    return {k for k, v in objects.items() if k.startswith(PREFIX) and (v or not k.endswith("/"))}


def put_all(s3, objects: dict[str, bytes], bucket: str = SOURCE) -> None:
    for key, body in objects.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)


def job_done(client, job_id: str) -> bool:
    return client.get(f"/jobs/{job_id}").json()["status"] == "done"


def test_a_prefix_job_counts_every_object_once_under_many_workers_and_duplicates(
    client, jobs_aws, source_bucket, serializable_dynamodb, monkeypatch
) -> None:
    objects = layout()
    put_all(jobs_aws.aws.s3, objects)
    expected = inside(objects)
    assert len(expected) == 1046

    writes: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()

    def count_writes(params, **_) -> None:
        keys = [params["Key"]["pk"]["S"]] if "Key" in params else []
        keys += [params["Item"]["pk"]["S"]] if "Item" in params else []
        for action in params.get("TransactItems", []):
            [(_, body)] = action.items()
            keys.append((body.get("Key") or body["Item"])["pk"]["S"])
        with lock:
            writes.update(keys)

    dynamodb = clients.client("dynamodb")
    for operation in ("TransactWriteItems", "UpdateItem", "PutItem"):
        dynamodb.meta.events.register(f"provide-client-params.dynamodb.{operation}", count_writes)

    attempted: list[int] = []
    recorded: list[int] = []
    commit = ledger.Ledger.commit

    def watched(self, job_id, chunks):
        done = commit(self, job_id, chunks)
        with lock:
            attempted.extend(chunk.number for chunk in chunks)
            recorded.extend(done)
        return done

    monkeypatch.setattr(ledger.Ledger, "commit", watched)

    started = time.perf_counter()
    response = client.post("/jobs", json={"s3_prefix": PREFIX, "bucket": SOURCE, "top_k": 3})
    assert response.status_code == 202, response.text
    accepted = response.json()
    job_id = accepted["job_id"]
    assert (accepted["status"], accepted["total"]) == ("listing", None)
    listing = client.get(f"/jobs/{job_id}").json()
    assert (listing["status"], listing["total"], listing["succeeded"]) == ("listing", None, 0)
    assert (listing["s3_prefix"], listing["bucket"], listing["listed"]) == (PREFIX, SOURCE, 0)

    pool = WorkerPool(
        jobs_aws.sqs, jobs_aws.queue_url, worker_handler(), duplicate_every=3, redeliver_every=5
    )
    pool.run(threads=4, done=lambda: job_done(client, job_id))
    took = time.perf_counter() - started

    lines, rows, job = exported(client, job_id)
    assert (job["total"], job["succeeded"], job["failed"]) == (1046, 1001, 45)
    assert job["export"]["expires_in"] > 0
    assert job["results"] == []
    assert "next_token" not in job

    # Exactly once: every chunk recorded by one commit, though many were delivered again.
    chunks = -(-1046 // 10)
    assert sorted(recorded) == list(range(chunks))
    assert len(attempted) > len(recorded), "no duplicate delivery reached the ledger"

    assert len(lines) == 1046
    assert {line["s3_key"] for line in lines} == expected
    assert {line["bucket"] for line in lines} == {SOURCE}
    by_key = {line["s3_key"]: line for line in lines}
    assert by_key[f"{PREFIX}notes/3.txt"]["error"]["code"] == "unsupported_image_format"
    assert by_key[f"{PREFIX}empty-0.jpg"]["error"]["code"] == "empty_body"
    assert len(by_key[f"{PREFIX}img-0001.png"]["predictions"]) == 3
    assert by_key[f"{PREFIX}odd-but-real/"]["status"] == "succeeded"

    header, *body = rows
    assert header == [
        "bucket", "s3_key", "status",
        "class_1", "probability_1", "class_2", "probability_2", "class_3", "probability_3",
        "error_code",
    ]  # fmt: skip
    assert len(body) == 1046
    assert {row[1] for row in body} == expected
    quoted = next(row for row in body if row[1] == f'{PREFIX}a,b "quoted" 97.png')
    assert quoted[2] == "succeeded"
    assert float(quoted[4]) > 0
    text = next(row for row in body if row[1] == f"{PREFIX}notes/0.txt")
    assert text[2:] == ["failed", *[""] * 6, "unsupported_image_format"]

    # A job of distinct images pays no DynamoDB cache entry per image (memory layer only).
    assert not [key for key in writes if key.startswith("cache#")]

    # No hot item: the most-written item took at most one write per 5 images.
    mine = {key: n for key, n in writes.items() if job_id in key}
    hottest = max(mine, key=mine.__getitem__)
    assert mine[hottest] <= 1046 / 5, (hottest, mine[hottest])
    print(f"\n1046 objects, 4 workers: {took:.1f} s; hottest item {hottest}: {mine[hottest]}")


def test_an_empty_prefix_is_done_with_total_zero(client, jobs_aws, source_bucket) -> None:
    jobs_aws.aws.s3.put_object(Bucket=SOURCE, Key="nothing-here/", Body=b"")
    job_id = client.post("/jobs", json={"s3_prefix": "nothing-here/", "bucket": SOURCE}).json()[
        "job_id"
    ]
    assert jobs_aws.drain(worker_handler()) == []
    lines, rows, job = exported(client, job_id)
    assert (job["status"], job["total"], job["succeeded"], job["failed"]) == ("done", 0, 0, 0)
    assert lines == []
    assert len(rows) == 1


def test_the_stacks_own_bucket_is_the_default_source(client, jobs_aws) -> None:
    put_all(
        jobs_aws.aws.s3, {"shots/a.png": tiny_image(1), "shots/b.png": tiny_image(2)}, "test-images"
    )
    response = client.post("/jobs", json={"s3_prefix": "shots/", "top_k": 1})
    assert response.status_code == 202, response.text
    assert jobs_aws.drain(worker_handler()) == []
    lines, _, job = exported(client, response.json()["job_id"])
    assert (job["bucket"], job["succeeded"]) == ("test-images", 2)
    assert sorted(line["s3_key"] for line in lines) == ["shots/a.png", "shots/b.png"]


def test_an_s3_keys_job_is_exported_too_and_announced(client, jobs_aws) -> None:
    keys = ["uploads/one", "uploads/missing", "uploads/two"]
    jobs_aws.put(keys[0], tiny_image(3))
    jobs_aws.put(keys[2], tiny_image(4))
    job_id = client.post("/jobs", json={"s3_keys": keys, "top_k": 2}).json()["job_id"]
    announced: list[dict] = []
    clients.client("events").meta.events.register(
        "provide-client-params.events.PutEvents",
        lambda params, **_: announced.extend(params["Entries"]),
    )
    assert jobs_aws.drain(worker_handler()) == []
    [event] = announced
    assert (event["Source"], event["DetailType"], event["EventBusName"]) == (
        "image-classifier.jobs",
        "Classification Job Completed",
        "default",
    )
    detail = json.loads(event["Detail"])
    assert detail == {
        "job_id": job_id,
        "status": "done",
        "total": 3,
        "succeeded": 2,
        "failed": 1,
        "export": {
            "jsonl": f"s3://test-images/exports/{job_id}/results.jsonl",
            "csv": f"s3://test-images/exports/{job_id}/results.csv",
        },
    }
    lines, rows, job = exported(client, job_id)
    assert [line["s3_key"] for line in lines] == keys  # in request order
    assert [line["status"] for line in lines] == ["succeeded", "failed", "succeeded"]
    assert lines[1]["error"]["code"] == "object_not_found"
    assert [row[1] for row in rows[1:]] == keys
    assert len(rows[0]) == 3 + 2 * 2 + 1
    assert [e["status"] for e in job["results"]] == ["succeeded", "failed", "succeeded"]


def test_the_job_store_reads_a_listing_job_as_listing(jobs_aws) -> None:
    store = JobStore(jobs_aws.settings.results_table, 7)
    store.create_prefix("5c1f3a52-8d0e-4c57-9a51-2f4e7b6d9c10", SOURCE, "p/", 5)
    job = store.get("5c1f3a52-8d0e-4c57-9a51-2f4e7b6d9c10")
    assert job is not None
    assert (job.status, job.total, job.source) == (
        "listing",
        None,
        {"bucket": SOURCE, "prefix": "p/"},
    )
