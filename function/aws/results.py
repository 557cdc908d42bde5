"""The results table in DynamoDB: one item per key, with an expiry DynamoDB's TTL enforces.

Items look like {"pk": "cache#<sha256>#<model version>", "value": <bytes>, "expires_at": <epoch
seconds>}. The partition key carries a kind prefix so that other kinds of item (the async jobs
of a later issue, "job#<id>") can share the table without a schema change.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client

TTL_ATTRIBUTE = "expires_at"
DAY_SECONDS = 86_400
# The table as template.yaml declares it; tests and `make run AWS=local` create it from this.
TABLE_SCHEMA = {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def expired(item: dict[str, Any]) -> bool:
    """Past its expires_at: DynamoDB deletes such items lazily, often days later, so they read."""
    return int(item.get(TTL_ATTRIBUTE, {"N": "0"})["N"]) <= time.time()


@dataclass(frozen=True)
class ResultsTable:
    name: str

    def get(self, pk: str) -> bytes | None:
        """The stored value, or None when absent or past its expiry.

        DynamoDB deletes expired items lazily (within days), so the expiry is checked here too.
        Raises botocore's exceptions: the caller decides whether failing open is right.
        """
        item = (
            client("dynamodb")
            .get_item(
                TableName=self.name,
                Key={"pk": {"S": pk}},
                ProjectionExpression="#v, #e",
                ExpressionAttributeNames={"#v": "value", "#e": TTL_ATTRIBUTE},
            )
            .get("Item")
        )
        if not item or int(item[TTL_ATTRIBUTE]["N"]) <= time.time():
            return None
        return bytes(item["value"]["B"])

    def put(self, pk: str, value: bytes, ttl_seconds: int) -> None:
        client("dynamodb").put_item(
            TableName=self.name,
            Item={
                "pk": {"S": pk},
                "value": {"B": value},
                TTL_ATTRIBUTE: {"N": str(int(time.time()) + ttl_seconds)},
            },
        )
