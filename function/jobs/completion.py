"""Noticing that a job is fully counted, handing it to the export step exactly once, and
marking it done once the export step has written its files.

Called after every commit of chunks and after the listing's last page. A job is counted when
its listing has ended (the job item has "chunks") and the shards count that many chunks. The
conditional move to "exporting" lets exactly one caller queue the export; a caller whose own
commit was a pure duplicate queues it again if the job is stuck in "exporting", since the
delivery that moved it may have died before sending (a second export rewrites the same files).
"""

from __future__ import annotations

import time

from function.aws.clients import client
from function.aws.queue import WorkQueue
from function.jobs.counts import read_counts
from function.jobs.keys import job_pk
from function.jobs.tasks import ExportStep
from function.shared.observability import logger


def finish_if_counted(table: str, queue: WorkQueue, job_id: str, recovering: bool = False) -> None:
    dynamodb = client("dynamodb")
    job = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": job_pk(job_id)}}, ConsistentRead=True
    ).get("Item")
    if not job or "chunks" not in job:
        return  # gone (expired), or still being listed: the last list step calls again
    stage = job["job_status"]["S"]
    if stage in ("done", "failed", "failed_to_submit"):
        return
    if read_counts(table, job_id).chunks < int(job["chunks"]["N"]):
        return
    if stage == "exporting":
        if recovering:
            queue.send_all([ExportStep(job_id).body()])
        return
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET #stage = :exporting, #counted = :now",
            ConditionExpression="#stage = :was",
            ExpressionAttributeNames={"#stage": "job_status", "#counted": "counted_at"},
            ExpressionAttributeValues={
                ":exporting": {"S": "exporting"},
                ":was": {"S": stage},
                ":now": {"N": str(int(time.time()))},
            },
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return  # another worker moved it first, and queues the export
    logger.info("job counted; exporting", extra={"job_id": job_id})
    queue.send_all([ExportStep(job_id).body()])


def mark_exported(table: str, job_id: str, keys: dict[str, str]) -> None:
    """The export step's last write: the job is done, its files are these keys."""
    files = {"export_jsonl": keys["jsonl"], "export_csv": keys["csv"]}
    # False: a concurrent export of the same job finished first, alike.
    end_job(table, job_id, "exporting", "done", files)


def end_job(table: str, job_id: str, stage: str, end: str, attributes: dict[str, str]) -> bool:
    """Move the job from stage to its end stage with these attributes and finished_at, once:
    False when it was not in that stage (a duplicate delivery moved it already, or gone)."""
    names = {"#stage": "job_status", "#at": "finished_at"}
    values = {":end": {"S": end}, ":from": {"S": stage}, ":now": {"N": str(int(time.time()))}}
    sets = ["#stage = :end", "#at = :now"]
    for number, (name, value) in enumerate(attributes.items()):
        names[f"#a{number}"], values[f":a{number}"] = name, {"S": value}
        sets.append(f"#a{number} = :a{number}")
    dynamodb = client("dynamodb")
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"pk": {"S": job_pk(job_id)}},
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression="#stage = :from",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True
