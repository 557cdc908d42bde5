"""Recording a job's chunks and counting them, exactly once, without a hot item.

One TransactWriteItems per (SQS batch, job): a Put of each chunk's item on the condition that
it does not exist, and ONE `ADD succeeded, failed, chunks` on a count shard. Both land or
neither does, so a chunk is counted exactly when its item is created: a duplicate delivery
finds the item (its Put fails its condition) and is dropped from the transaction, which is
then tried again without it. Shards spread the counting over SHARDS items (chosen by chunk
number), each taking one write per batch, so no item takes a write per image.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from function.aws.backoff import TRANSIENT_CODES, error_code, pauses
from function.aws.clients import client
from function.aws.results import DAY_SECONDS, TTL_ATTRIBUTE
from function.jobs.chunk_record import Entry, encode
from function.jobs.counts import SHARDS
from function.jobs.keys import chunk_pk, count_pk

ATTEMPTS = 6  # transient cancellations tried this often before the messages are failed


class CommitFailed(Exception):
    """Transactions kept conflicting or being throttled: SQS delivers the messages again."""


@dataclass(frozen=True)
class Chunk:
    number: int
    entries: list[Entry]

    def counts(self) -> tuple[int, int]:
        succeeded = sum(1 for e in self.entries if e.outcome.predictions is not None)
        return succeeded, len(self.entries) - succeeded


@dataclass(frozen=True)
class Ledger:
    table: str
    ttl_days: int
    model_version: str
    sleep: Callable[[float], None] | None = None  # time.sleep; tests count the pauses

    def commit(self, job_id: str, chunks: list[Chunk]) -> set[int]:
        """Record and count the chunks; the numbers of those this call recorded (not duplicates)."""
        pending = {chunk.number: chunk for chunk in chunks}  # a chunk twice in one batch
        for _ in pauses(ATTEMPTS, self.sleep):
            while pending:
                try:
                    client("dynamodb").transact_write_items(
                        TransactItems=self._transaction(job_id, list(pending.values()))
                    )
                    return set(pending)
                except Exception as exc:
                    duplicates = _duplicates(exc, list(pending))
                    if duplicates:
                        for number in duplicates:
                            del pending[number]
                        continue  # the rest at once: nothing is contended
                    if _transient(exc):
                        break  # back off, then try again
                    raise
            if not pending:
                return set()
        raise CommitFailed(f"job {job_id}: {len(pending)} chunks not recorded after retries")

    def _transaction(self, job_id: str, chunks: list[Chunk]) -> list[dict[str, Any]]:
        expires = {"N": str(int(time.time()) + self.ttl_days * DAY_SECONDS)}
        puts = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "pk": {"S": chunk_pk(job_id, chunk.number)},
                        TTL_ATTRIBUTE: expires,
                        **encode(chunk.entries, self.model_version),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for chunk in chunks
        ]
        succeeded = sum(chunk.counts()[0] for chunk in chunks)
        failed = sum(chunk.counts()[1] for chunk in chunks)
        shard = min(chunk.number for chunk in chunks) % SHARDS
        count = {
            "Update": {
                "TableName": self.table,
                "Key": {"pk": {"S": count_pk(job_id, shard)}},
                "UpdateExpression": "ADD #s :s, #f :f, #c :c SET #e = if_not_exists(#e, :e)",
                "ExpressionAttributeNames": {
                    "#s": "succeeded",
                    "#f": "failed",
                    "#c": "chunks",
                    "#e": TTL_ATTRIBUTE,
                },
                "ExpressionAttributeValues": {
                    ":s": {"N": str(succeeded)},
                    ":f": {"N": str(failed)},
                    ":c": {"N": str(len(chunks))},
                    ":e": expires,
                },
            }
        }
        return [*puts, count]


def _reasons(exc: Exception) -> list[str | None]:
    if error_code(exc) != "TransactionCanceledException":
        return []
    reasons = getattr(exc, "response", {}).get("CancellationReasons", [])
    return [reason.get("Code") for reason in reasons]


def _duplicates(exc: Exception, numbers: list[int]) -> list[int]:
    reasons = _reasons(exc)
    found = zip(numbers, reasons, strict=False)
    return [number for number, code in found if code == "ConditionalCheckFailed"]


def _transient(exc: Exception) -> bool:
    reasons = [code for code in _reasons(exc) if code not in (None, "None")]
    if reasons:
        return all(code in TRANSIENT_CODES for code in reasons)
    return error_code(exc) in TRANSIENT_CODES
