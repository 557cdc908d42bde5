"""Faults in a bulk job: a worker killed mid-batch, a throttled list, a transaction conflict,
an export asked for while the prefix is still being listed. Each ends with exact counts and
one export line per object."""

from __future__ import annotations

import json

import pytest
from aws_fixtures import aws
from botocore.exceptions import ClientError
from bulk_fixtures import SOURCE, exported, source_bucket, tiny_image
from jobs_fixtures import jobs_aws, worker_handler
from local_worker import lambda_context, sqs_event

from function.aws import backoff, clients
from function.jobs import listing
from function.jobs.ledger import Ledger
from function.jobs.tasks import ExportStep

__all__ = ["aws", "jobs_aws", "source_bucket"]  # fixtures

ARN = "arn:aws:sqs:us-east-1:123456789012:test-jobs"


class Killed(BaseException):
    """The Lambda environment ending mid-invocation: nothing after it runs, nothing is deleted."""


@pytest.fixture(autouse=True)
def quick_back_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backoff, "BASE_SECONDS", 0.001)


def put_prefix(jobs_aws, prefix: str, count: int) -> list[str]:
    keys = [f"{prefix}{i:03d}.png" for i in range(count)]
    for i, key in enumerate(keys):
        jobs_aws.aws.s3.put_object(Bucket=SOURCE, Key=key, Body=tiny_image(i % 3))
    return keys


def start(client, prefix: str) -> str:
    response = client.post("/jobs", json={"s3_prefix": prefix, "bucket": SOURCE, "top_k": 2})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def assert_exact(client, job_id: str, keys: list[str]) -> None:
    lines, rows, job = exported(client, job_id)
    assert (job["status"], job["total"], job["succeeded"] + job["failed"]) == (
        "done",
        len(keys),
        len(keys),
    )
    assert sorted(line["s3_key"] for line in lines) == sorted(keys)
    assert len(rows) == len(keys) + 1


def short_export_steps(monkeypatch: pytest.MonkeyPatch, part_bytes) -> None:
    """Export parts of a few KB (moto's part-size floor lowered to match), one chunk item per
    read, and an invocation always short of time: every export step checkpoints after a part."""
    from moto.s3 import models as s3_models

    from function.jobs import job_files

    monkeypatch.setattr(job_files, "part_bytes", part_bytes)
    monkeypatch.setattr(job_files, "MIN_PART_BYTES", 2048)
    monkeypatch.setattr(job_files, "BATCH_CHUNKS", 1)
    monkeypatch.setattr(s3_models, "S3_UPLOAD_PART_MIN_SIZE", 2048)
    monkeypatch.setattr(job_files, "MARGIN_MS", 10**9)  # never enough time left


def test_a_worker_killed_after_one_jobs_commit_and_before_the_next(
    client, jobs_aws, monkeypatch
) -> None:
    """Two jobs' chunks in one batch: the first job's chunks are recorded, then the worker dies.
    SQS delivers the whole batch again: the first job's chunks are duplicates, counted once."""
    first_keys = [jobs_aws.put(f"uploads/a{i}", tiny_image(i)) for i in range(10)]
    second_keys = [jobs_aws.put(f"uploads/b{i}", tiny_image(i)) for i in range(7)]
    first = client.post("/jobs", json={"s3_keys": first_keys}).json()["job_id"]
    second = client.post("/jobs", json={"s3_keys": second_keys}).json()["job_id"]
    messages = jobs_aws.receive_all()
    assert len(messages) == 2
    commit = Ledger.commit
    recorded: list[set[int]] = []

    def dies_after_the_first(self, job_id, chunks):
        recorded.append(commit(self, job_id, chunks))
        raise Killed()

    monkeypatch.setattr(Ledger, "commit", dies_after_the_first)
    with pytest.raises(Killed):
        worker_handler()(sqs_event(messages, ARN, "us-east-1"), lambda_context())
    monkeypatch.setattr(Ledger, "commit", commit)
    assert recorded == [{0}]
    counted = sorted(
        client.get(f"/jobs/{job_id}").json()["succeeded"] for job_id in (first, second)
    )
    assert counted in ([0, 10], [0, 7])  # one job's chunk recorded, the other's not

    # The batch comes back (its deletes never happened), then the export steps.
    again = worker_handler()(sqs_event(messages, ARN, "us-east-1"), lambda_context())
    assert again == {"batchItemFailures": []}
    for message in messages:
        jobs_aws.sqs.delete_message(
            QueueUrl=jobs_aws.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    assert jobs_aws.drain(worker_handler()) == []
    assert_exact(client, first, first_keys)
    assert_exact(client, second, second_keys)


def test_a_list_step_killed_after_its_commit_resumes_from_the_stored_cursor(
    client, jobs_aws, source_bucket, monkeypatch
) -> None:
    monkeypatch.setattr(listing, "PAGE_KEYS", 5)
    monkeypatch.setattr(listing, "PAGES_PER_STEP", 1)
    keys = put_prefix(jobs_aws, "paged/", 12)
    job_id = start(client, "paged/")
    [step] = jobs_aws.receive_all()
    send_all = listing.WorkQueue.send_all

    def dies_sending_the_next_step(self, bodies):
        if any(json.loads(body).get("kind") == "list" for body in bodies):
            raise Killed()
        send_all(self, bodies)

    monkeypatch.setattr(listing.WorkQueue, "send_all", dies_sending_the_next_step)
    with pytest.raises(Killed):
        worker_handler()(sqs_event([step], ARN, "us-east-1"), lambda_context())
    monkeypatch.setattr(listing.WorkQueue, "send_all", send_all)
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["listed"], job["total"]) == ("listing", 5, None)

    # The same step again: its page is committed, so it only sends the next step.
    jobs_aws.sqs.change_message_visibility(
        QueueUrl=jobs_aws.queue_url, ReceiptHandle=step["ReceiptHandle"], VisibilityTimeout=0
    )
    assert jobs_aws.drain(worker_handler()) == []
    assert_exact(client, job_id, keys)


def test_a_step_of_many_pages_killed_midway_resumes_after_its_last_commit(
    client, jobs_aws, source_bucket, monkeypatch
) -> None:
    monkeypatch.setattr(listing, "PAGE_KEYS", 5)
    keys = put_prefix(jobs_aws, "many/", 23)
    job_id = start(client, "many/")
    [step] = jobs_aws.receive_all()
    commit = listing.Lister._commit
    commits: list[int] = []

    def dies_on_the_third_commit(self, following, last):
        commits.append(following.page)
        if len(commits) == 3:
            raise Killed()
        return commit(self, following, last)

    monkeypatch.setattr(listing.Lister, "_commit", dies_on_the_third_commit)
    with pytest.raises(Killed):
        worker_handler()(sqs_event([step], ARN, "us-east-1"), lambda_context())
    monkeypatch.setattr(listing.Lister, "_commit", commit)
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["listed"]) == ("listing", 10)  # two pages of five committed

    # The first step again (SQS redelivers it): it resumes from the third page.
    jobs_aws.sqs.change_message_visibility(
        QueueUrl=jobs_aws.queue_url, ReceiptHandle=step["ReceiptHandle"], VisibilityTimeout=0
    )
    assert jobs_aws.drain(worker_handler()) == []
    assert_exact(client, job_id, keys)


def test_a_throttled_list_is_retried_with_back_off(client, jobs_aws, source_bucket) -> None:
    keys = put_prefix(jobs_aws, "slow/", 15)
    job_id = start(client, "slow/")
    calls: list[int] = []

    def slow_down(**_):
        calls.append(1)
        if len(calls) <= listing.LIST_ATTEMPTS + 1:  # one step fails, its redelivery recovers
            raise ClientError({"Error": {"Code": "SlowDown"}}, "ListObjectsV2")

    s3 = clients.client("s3")
    s3.meta.events.register("before-call.s3.ListObjectsV2", slow_down, unique_id="slow")
    try:
        failures = jobs_aws.drain(worker_handler())
    finally:
        s3.meta.events.unregister("before-call.s3.ListObjectsV2", unique_id="slow")
    assert len(failures) == 1  # the first delivery gave up after LIST_ATTEMPTS; SQS retried it
    assert len(calls) == listing.LIST_ATTEMPTS + 2
    assert_exact(client, job_id, keys)


def test_a_transaction_conflict_is_retried_in_process(client, jobs_aws, source_bucket) -> None:
    keys = put_prefix(jobs_aws, "busy/", 25)
    job_id = start(client, "busy/")
    conflicts: list[int] = []

    def conflict_once(params, **_):
        if not conflicts:
            conflicts.append(len(params["TransactItems"]))
            reasons = [{"Code": "None"}] * (len(params["TransactItems"]) - 1)
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [*reasons, {"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )

    dynamodb = clients.client("dynamodb")
    event = "provide-client-params.dynamodb.TransactWriteItems"
    dynamodb.meta.events.register(event, conflict_once, unique_id="conflict")
    try:
        assert jobs_aws.drain(worker_handler()) == []  # no message failed: retried in-process
    finally:
        dynamodb.meta.events.unregister(event, unique_id="conflict")
    assert conflicts
    assert_exact(client, job_id, keys)


def test_an_export_asked_for_while_listing_waits(client, jobs_aws, source_bucket, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_KEYS", 5)
    monkeypatch.setattr(listing, "PAGES_PER_STEP", 1)
    keys = put_prefix(jobs_aws, "early/", 12)
    job_id = start(client, "early/")
    [step] = jobs_aws.receive_all()
    assert worker_handler()(sqs_event([step], ARN, "us-east-1"), lambda_context()) == {
        "batchItemFailures": []
    }
    jobs_aws.sqs.delete_message(QueueUrl=jobs_aws.queue_url, ReceiptHandle=step["ReceiptHandle"])
    # Page one's chunk is queued with the next list step; classify the chunk alone.
    messages = jobs_aws.receive_all()
    chunk = [m for m in messages if json.loads(m["Body"])["kind"] == "chunk"]
    early = {**chunk[0], "MessageId": "early-export", "Body": ExportStep(job_id).body()}
    batch = sqs_event([*chunk, early], ARN, "us-east-1")
    assert worker_handler()(batch, lambda_context()) == {"batchItemFailures": []}
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["total"], job["succeeded"]) == ("listing", None, 5)
    assert "export" not in job
    listed = jobs_aws.aws.s3.list_objects_v2(Bucket="test-images", Prefix="exports/")
    assert listed["KeyCount"] == 0  # nothing written early, not even a partial file

    for message in chunk:
        jobs_aws.sqs.delete_message(
            QueueUrl=jobs_aws.queue_url, ReceiptHandle=message["ReceiptHandle"]
        )
    for message in (m for m in messages if m not in chunk):  # the next list step
        jobs_aws.sqs.change_message_visibility(
            QueueUrl=jobs_aws.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    assert jobs_aws.drain(worker_handler()) == []
    assert_exact(client, job_id, keys)


def test_a_long_export_goes_on_in_later_steps(client, jobs_aws, source_bucket, monkeypatch) -> None:
    """Small parts and an invocation always short of time: the export checkpoints after each
    part and later steps resume the same uploads; S3 (moto, with its part-size floor lowered
    to the part size) accepts every part, and the files are whole."""

    from function.aws import multipart
    from function.jobs import job_files

    assert multipart.part_bytes(1) >= multipart.MIN_PART_BYTES
    # Parts grow with their number, as S3's 10,000 parts ask.
    short_export_steps(monkeypatch, lambda number: 2048 if number <= 2 else 10_000)
    sizes: dict[str, dict[int, int]] = {}

    def part_sent(params, **_):
        sizes.setdefault(params["Key"], {})[params["PartNumber"]] = len(params["Body"])

    s3 = clients.client("s3")
    s3.meta.events.register("provide-client-params.s3.UploadPart", part_sent, unique_id="sizes")
    keys = put_prefix(jobs_aws, "long/", 120)
    job_id = start(client, "long/")
    steps: list[dict] = []
    send_all = job_files.WorkQueue.send_all

    def watch(self, bodies):
        sent = [json.loads(body) for body in bodies]
        steps.extend(step for step in sent if step["kind"] == "export" and step["uploads"])
        send_all(self, bodies)

    monkeypatch.setattr(job_files.WorkQueue, "send_all", watch)
    try:
        assert jobs_aws.drain(worker_handler()) == []
    finally:
        s3.meta.events.unregister("provide-client-params.s3.UploadPart", unique_id="sizes")
    assert len(steps) >= 3  # the export went on in several steps
    [jsonl, csv] = [sizes[f"exports/{job_id}/results.{fmt}"] for fmt in ("jsonl", "csv")]
    assert len(jsonl) == len(csv) >= 4
    for number in range(1, len(jsonl)):  # every part but the last
        assert min(jsonl[number], csv[number]) >= 2048
        assert job_files.part_bytes(number) <= max(jsonl[number], csv[number])
    assert max(jsonl[3], csv[3]) >= 10_000 > max(jsonl[2], csv[2])
    assert [step["chunk"] for step in steps] == sorted({step["chunk"] for step in steps})
    assert len({json.dumps(step["uploads"], sort_keys=True) for step in steps}) == 1
    assert_exact(client, job_id, keys)
    lines, _, _ = exported(client, job_id)
    assert [line["s3_key"] for line in lines] == keys  # listing order, each once


@pytest.mark.parametrize("count", [0, 7])
def test_a_last_list_step_killed_before_counting_the_job_finishes_on_redelivery(
    client, jobs_aws, source_bucket, monkeypatch, count
) -> None:
    """The page's chunks are all counted before the last page is committed (a fast worker), so
    no worker will ask again whether the job is counted; the step commits (total and chunks
    set) and dies before it asks. The redelivered step must ask."""
    keys = put_prefix(jobs_aws, "last/", count)
    job_id = start(client, "last/")
    [step] = jobs_aws.receive_all()
    commit, finish = listing.Lister._commit, listing.finish_if_counted

    def counted_first(self, following, last):
        for message in jobs_aws.receive_all():
            batch = sqs_event([message], ARN, "us-east-1")
            assert worker_handler()(batch, lambda_context()) == {"batchItemFailures": []}
            jobs_aws.sqs.delete_message(
                QueueUrl=jobs_aws.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return commit(self, following, last)

    def killed(*args, **kwargs):
        raise Killed()

    monkeypatch.setattr(listing.Lister, "_commit", counted_first)
    monkeypatch.setattr(listing, "finish_if_counted", killed)
    with pytest.raises(Killed):
        worker_handler()(sqs_event([step], ARN, "us-east-1"), lambda_context())
    monkeypatch.setattr(listing.Lister, "_commit", commit)
    monkeypatch.setattr(listing, "finish_if_counted", finish)
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["total"], job["succeeded"]) == (count, count)
    assert job["status"] in ("queued", "running")  # stuck there, without the fix

    jobs_aws.sqs.change_message_visibility(
        QueueUrl=jobs_aws.queue_url, ReceiptHandle=step["ReceiptHandle"], VisibilityTimeout=0
    )
    assert jobs_aws.drain(worker_handler()) == []
    assert_exact(client, job_id, keys)


def test_an_export_step_that_failed_after_writing_a_part_is_redelivered_without_repeats(
    client, jobs_aws, source_bucket, monkeypatch
) -> None:
    """A resumed export step writes a part, then cannot queue the step after it (SQS down):
    SQS delivers the same step again, which finds one more part in S3 than its chunk number
    accounts for. The part is written again in its place, not appended."""

    from function.aws.queue import MessagesNotSent
    from function.jobs import job_files

    short_export_steps(monkeypatch, lambda number: 2048)
    keys = put_prefix(jobs_aws, "again/", 120)
    job_id = start(client, "again/")
    resumed: list[dict] = []
    send_all = job_files.WorkQueue.send_all

    def down_once(self, bodies):
        steps = [json.loads(body) for body in bodies]
        resumed.extend(step for step in steps if step["kind"] == "export" and step["uploads"])
        if len(resumed) == 2 and len(steps) == 1 and steps[0]["kind"] == "export":
            resumed.append({})  # once
            raise MessagesNotSent("SQS is down", 0, transient=True)
        send_all(self, bodies)

    monkeypatch.setattr(job_files.WorkQueue, "send_all", down_once)
    assert len(jobs_aws.drain(worker_handler())) == 1  # the step whose next step was not sent
    assert len(resumed) >= 4
    lines, rows, _ = exported(client, job_id)
    assert [line["s3_key"] for line in lines] == keys  # each once, in listing order
    assert [row[1] for row in rows[1:]] == keys
    assert_exact(client, job_id, keys)


def test_a_worker_that_could_not_queue_the_export_has_it_queued_by_the_redelivery(
    client, jobs_aws, monkeypatch
) -> None:
    """The last chunk's commit moves the job to exporting, then sending the export step fails
    (SQS down): the chunk message fails, and its redelivery, a duplicate, queues the export."""
    from function.aws.queue import MessagesNotSent, WorkQueue

    keys = [jobs_aws.put(f"uploads/x{i}", tiny_image(i)) for i in range(10)]
    job_id = client.post("/jobs", json={"s3_keys": keys}).json()["job_id"]
    send_all, refused = WorkQueue.send_all, []

    def down_once(self, bodies):
        if not refused and json.loads(bodies[0])["kind"] == "export":
            refused.append(bodies)
            raise MessagesNotSent("SQS is down", 0, transient=True)
        send_all(self, bodies)

    monkeypatch.setattr(WorkQueue, "send_all", down_once)
    assert len(jobs_aws.drain(worker_handler())) == 1
    assert refused
    assert_exact(client, job_id, keys)


def test_an_export_step_started_late_in_its_batch_is_queued_again_unchanged(
    client, jobs_aws
) -> None:
    """Images used most of the invocation before the export step's turn: the step does not
    start (it could die before its first checkpoint, three times, into the DLQ). It queues
    itself again unchanged and its message is acknowledged; a later invocation exports."""
    from types import SimpleNamespace

    from function.jobs import job_files

    keys = [jobs_aws.put(f"uploads/late{i}", tiny_image(i)) for i in range(12)]
    job_id = client.post("/jobs", json={"s3_keys": keys}).json()["job_id"]
    handler, late, stages = worker_handler(), [], []

    def short_of_time(event, context):
        bodies = [record["body"] for record in event["Records"]]
        if any(json.loads(body)["kind"] == "export" for body in bodies) and len(late) < 3:
            late.extend(body for body in bodies if json.loads(body)["kind"] == "export")
            left = job_files.START_MS - 1
            context = SimpleNamespace(
                **{**vars(context), "get_remaining_time_in_millis": lambda: left}
            )
            answer = handler(event, context)
            stages.append(client.get(f"/jobs/{job_id}").json()["status"])
            return answer
        return handler(event, context)

    assert jobs_aws.drain(short_of_time) == []  # acknowledged each time, never a failure
    assert late == [ExportStep(job_id).body()] * 3  # the same step, queued again each time
    assert stages == ["exporting"] * 3
    assert_exact(client, job_id, keys)


@pytest.mark.parametrize("refusal", ["NoSuchBucket", "AccessDenied", "InvalidArgument"])
def test_a_prefix_the_worker_cannot_list_fails_the_job_with_a_stable_code(
    client, jobs_aws, source_bucket, refusal
) -> None:
    """A bucket that does not exist (moto's own answer), or S3 refusing the listing (a 4xx
    injected): the job fails at once with listing_failed, rather than the step going to the
    DLQ three deliveries later and the job staying "listing"; the completion event says so."""
    bucket, refused = ("other-allowed", None) if refusal == "NoSuchBucket" else (SOURCE, refusal)

    def refuse(**_):
        raise ClientError(
            {
                "Error": {"Code": refused, "Message": "no"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            "ListObjectsV2",
        )

    response = client.post("/jobs", json={"s3_prefix": "any/", "bucket": bucket})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    announced: list[dict] = []
    s3, events = clients.client("s3"), clients.client("events")
    events.meta.events.register(
        "provide-client-params.events.PutEvents",
        lambda params, **_: announced.extend(params["Entries"]),
        unique_id="announced",
    )
    if refused:
        s3.meta.events.register("before-call.s3.ListObjectsV2", refuse, unique_id="refuse")
    try:
        assert jobs_aws.drain(worker_handler()) == []  # acknowledged: nothing left to retry
    finally:
        s3.meta.events.unregister("before-call.s3.ListObjectsV2", unique_id="refuse")
        events.meta.events.unregister(
            "provide-client-params.events.PutEvents", unique_id="announced"
        )
    job = client.get(f"/jobs/{job_id}").json()
    assert (job["status"], job["total"]) == ("failed", None)
    assert job["error"]["code"] == "listing_failed"
    assert refusal in job["error"]["message"]
    assert "export" not in job
    [event] = announced
    detail = json.loads(event["Detail"])
    assert event["DetailType"] == "Classification Job Completed"
    assert (detail["job_id"], detail["status"], detail["error"]["code"]) == (
        job_id,
        "failed",
        "listing_failed",
    )
