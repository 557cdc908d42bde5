"""Writing each image's outcome of a job, exactly once per (job, index).

A job's counters move in the same DynamoDB transaction that writes the image's result item,
on the condition that the item did not exist: a redelivered message finds it and counts
nothing, and a crash between the two writes cannot happen. Raises botocore's exceptions
(throttling, time-outs): the worker fails that message and SQS delivers it again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client
from function.aws.results import TTL_ATTRIBUTE
from function.jobs.keys import job_pk, result_pk
from function.jobs.store import DAY_SECONDS
from function.shared.observability import logger


@dataclass(frozen=True)
class Outcome:
    """One image's result: the top-k predictions (as the API shows them) or an error."""

    predictions: list[dict[str, Any]] | None = None
    error_code: str | None = None
    error_message: str | None = None

    def attributes(self) -> dict[str, Any]:
        if self.predictions is not None:
            return {"predictions": {"S": json.dumps(self.predictions)}}
        return {"error_code": {"S": self.error_code}, "error_message": {"S": self.error_message}}


@dataclass(frozen=True)
class OutcomeWriter:
    table: str
    ttl_days: int
    model_version: str

    def record(self, job_id: str, index: int, s3_key: str, outcome: Outcome) -> bool:
        """Record the outcome and count it; False when it was recorded before (a redelivery)."""
        dynamodb = client("dynamodb")
        counter = "succeeded" if outcome.predictions is not None else "failed"
        expires = str(int(time.time()) + self.ttl_days * DAY_SECONDS)
        item = {
            "pk": {"S": result_pk(job_id, index)},
            "index": {"N": str(index)},
            "s3_key": {"S": s3_key},
            TTL_ATTRIBUTE: {"N": expires},
            **outcome.attributes(),
        }
        try:
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": {"pk": {"S": job_pk(job_id)}},
                            "UpdateExpression": "ADD #counter :one",
                            "ExpressionAttributeNames": {"#counter": counter},
                            "ConditionExpression": "attribute_exists(pk)",
                            "ExpressionAttributeValues": {":one": {"N": "1"}},
                        }
                    },
                ]
            )
        except dynamodb.exceptions.TransactionCanceledException as exc:
            reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
            if reasons[:1] == ["ConditionalCheckFailed"]:
                return False  # already recorded by an earlier delivery
            if reasons[1:2] == ["ConditionalCheckFailed"]:
                logger.warning("job gone (expired?); result dropped", extra={"job_id": job_id})
                return False
            raise  # TransactionConflict, throttling: transient
        self.finish_if_complete(job_id)
        return True

    def finish_if_complete(self, job_id: str) -> None:
        """Mark the job done once every image is counted; whoever counts last does it."""
        dynamodb = client("dynamodb")
        job = dynamodb.get_item(
            TableName=self.table, Key={"pk": {"S": job_pk(job_id)}}, ConsistentRead=True
        ).get("Item")
        if not job or "job_status" in job:
            return
        counted = sum(int(job.get(name, {"N": "0"})["N"]) for name in ("succeeded", "failed"))
        if counted < int(job["total"]["N"]):
            return
        try:
            dynamodb.update_item(
                TableName=self.table,
                Key={"pk": {"S": job_pk(job_id)}},
                UpdateExpression="SET #status = :done, #finished = :now",
                ConditionExpression="attribute_not_exists(#status)",
                ExpressionAttributeNames={"#status": "job_status", "#finished": "finished_at"},
                ExpressionAttributeValues={
                    ":done": {"S": "done"},
                    ":now": {"N": str(int(time.time()))},
                },
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            pass  # another worker finished it first
        else:
            logger.info("job done", extra={"job_id": job_id, "images": counted})
