"""Count every AWS request a flow makes, and DynamoDB's capacity units, from botocore's events.

Attached to the boto3 session that function/aws/clients.py hands out (and to the session the
benchmark's stand-in for Lambda's SQS poller uses), so nothing in the code under test
changes. Capacity units follow DynamoDB's published rules: a write is 1 WRU per started KB of
the larger of the item before and after (2 in a transaction), a read 1 RRU per started 4 KB
for a strongly consistent read (half for an eventually consistent one, 2 in a transaction),
and a missing item still costs the minimum. Item sizes are measured on the items themselves:
on the request for puts, on the stored item (read back through an unmetered client) for
updates and deletes, on the response for reads. A conditional write that fails is charged
as DynamoDB charges it, as if it had written.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from dynamo_size import item_size

KB = 1024
READ_UNIT = 4 * KB


class AwsMeter:
    def __init__(self, table_reader: Any) -> None:
        """table_reader: an unmetered DynamoDB client, to size items that requests only name."""
        self.requests: Counter[tuple[str, str]] = Counter()
        self.read_units = 0.0
        self.write_units = 0.0
        self.writes_per_key: Counter[str] = Counter()
        self._reader = table_reader

    def attach(self, session: Any) -> None:
        session.events.register("before-parameter-build", self._before)
        session.events.register("after-call", self._after)

    def _before(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        context["meter_params"] = dict(params)
        if model.service_model.service_name == "dynamodb" and model.name in (
            "UpdateItem",
            "DeleteItem",
        ):
            context["meter_before"] = self._stored_size(params["TableName"], params["Key"])

    def _after(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.requests[(service, model.name)] += 1
        if service == "dynamodb":
            params = context.get("meter_params", {})
            self._dynamodb(model.name, params, parsed, context.get("meter_before", 0))

    def _dynamodb(
        self, op: str, params: dict[str, Any], parsed: dict[str, Any], before: int
    ) -> None:
        if op == "PutItem":
            self._write(params["TableName"], params["Item"], item_size(params["Item"]))
        elif op in ("UpdateItem", "DeleteItem"):
            after = self._stored_size(params["TableName"], params["Key"])
            self._write(params["TableName"], params["Key"], max(before, after))
        elif op == "TransactWriteItems":
            for action in params["TransactItems"]:
                kind, body = next(iter(action.items()))
                key = body.get("Item") or body["Key"]
                size = (
                    item_size(body["Item"])
                    if kind == "Put"
                    else self._stored_size(body["TableName"], key)
                )
                self._write(body["TableName"], key, size, transactional=True)
        elif op == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    item = request.get("PutRequest", {}).get("Item")
                    key = item or request["DeleteRequest"]["Key"]
                    self._write(
                        table, key, item_size(item) if item else self._stored_size(table, key)
                    )
        elif op == "GetItem":
            self._read(parsed.get("Item"), params.get("ConsistentRead", False))
        elif op == "BatchGetItem":
            for table, ask in params["RequestItems"].items():
                found = parsed.get("Responses", {}).get(table, [])
                consistent = ask.get("ConsistentRead", False)
                for item in found:
                    self._read(item, consistent)
                missing = len(ask["Keys"]) - len(found)
                unprocessed = len(parsed.get("UnprocessedKeys", {}).get(table, {}).get("Keys", []))
                for _ in range(missing - unprocessed):
                    self._read(None, consistent)
        elif op in ("Query", "Scan"):
            size = sum(item_size(item) for item in parsed.get("Items", []))
            units = max(1, math.ceil(size / READ_UNIT))
            self.read_units += units if params.get("ConsistentRead") else units / 2

    def _write(
        self, table: str, key: dict[str, Any], size: int, transactional: bool = False
    ) -> None:
        units = max(1, math.ceil(size / KB)) * (2 if transactional else 1)
        self.write_units += units
        self.writes_per_key[f"{table}/{key.get('pk', {}).get('S', '?')}"] += 1

    def _read(self, item: dict[str, Any] | None, consistent: bool) -> None:
        units = max(1, math.ceil(item_size(item) / READ_UNIT)) if item else 1
        self.read_units += units if consistent else units / 2

    def _stored_size(self, table: str, key: dict[str, Any]) -> int:
        item = self._reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return item_size(item) if item else 0
