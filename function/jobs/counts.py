"""A job's counts: the sum of its count shards (function/jobs/ledger.py writes them)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from function.aws.clients import client
from function.jobs.keys import count_pk

# Written by the ledger; a reader needs only the number.
SHARDS = 8


@dataclass(frozen=True)
class Counts:
    succeeded: int = 0
    failed: int = 0
    chunks: int = 0


def read_counts(table: str, job_id: str) -> Counts:
    """One consistent BatchGetItem of every shard; absent shards count nothing."""
    wanted = [{"pk": {"S": count_pk(job_id, shard)}} for shard in range(SHARDS)]
    request = {table: {"Keys": wanted, "ConsistentRead": True}}
    totals = {"succeeded": 0, "failed": 0, "chunks": 0}
    while request:  # BatchGetItem may hand back some keys unprocessed under load
        answer = client("dynamodb").batch_get_item(RequestItems=request)
        for item in answer["Responses"].get(table, []):
            for name in totals:
                totals[name] += int(item.get(name, {"N": "0"})["N"])
        request = answer.get("UnprocessedKeys") or {}
        if request:
            time.sleep(0.05)
    return Counts(**totals)
