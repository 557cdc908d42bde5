"""Results of objects dropped under INCOMING_PREFIX: the latest upload's, read by GET /results.

One item per object key (keys.object_pk). The probabilities are kept whole (4 KB for 1000
classes), so GET /results serves any top_k.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from function.aws.clients import client
from function.aws.results import TTL_ATTRIBUTE
from function.jobs.keys import object_pk
from function.jobs.outcomes import Outcome
from function.jobs.store import DAY_SECONDS
from function.shared.observability import logger

DTYPE = np.dtype("<f4")


@dataclass(frozen=True)
class DropResults:
    table: str
    ttl_days: int
    model_version: str

    def put(
        self,
        s3_key: str,
        probabilities: np.ndarray | None,
        outcome: Outcome,
        sequencer: str | None = None,
    ) -> bool:
        """Store the outcome; False when a newer S3 event's result is there already.

        S3 events arrive in any order: the result of an older upload, read before a newer one
        replaced it, may finish last. With the event's sequencer (messages.sequencer_order),
        the put goes through only over a result of an equal or older event of the key. Equal
        is the same upload delivered again: rewriting it is harmless, and after a redeploy it
        brings the result to the new model.
        """
        item: dict[str, Any] = {
            "pk": {"S": object_pk(s3_key)},
            TTL_ATTRIBUTE: {"N": str(int(time.time()) + self.ttl_days * DAY_SECONDS)},
        }
        if probabilities is not None:
            item["probabilities"] = {"B": np.ascontiguousarray(probabilities, DTYPE).tobytes()}
            # Probabilities mean something only with the labels of the model that made them.
            item["model_version"] = {"S": self.model_version}
        else:
            item.update(outcome.attributes())
        dynamodb = client("dynamodb")
        if sequencer is None:  # not from an S3 event: nothing to order it by
            dynamodb.put_item(TableName=self.table, Item=item)
            return True
        item["sequencer"] = {"S": sequencer}
        try:
            dynamodb.put_item(
                TableName=self.table,
                Item=item,
                ConditionExpression="attribute_not_exists(#seq) OR #seq <= :seq",
                ExpressionAttributeNames={"#seq": "sequencer"},
                ExpressionAttributeValues={":seq": {"S": sequencer}},
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            logger.info("older S3 event; the newer result stays", extra={"s3_key": s3_key})
            return False
        return True


def read_object(
    table: str, s3_key: str, model_version: str, num_classes: int
) -> np.ndarray | dict[str, str] | None:
    """A dropped object's probabilities, its error {code, message}, or None while pending.

    Probabilities from another model version (a redeploy within JOB_TTL_DAYS) count as
    pending: ranked with this model's labels they would name the wrong classes.
    """
    item = (
        client("dynamodb")
        .get_item(TableName=table, Key={"pk": {"S": object_pk(s3_key)}})
        .get("Item")
    )
    if item is None or int(item[TTL_ATTRIBUTE]["N"]) <= time.time():
        return None
    if "probabilities" in item:
        blob = bytes(item["probabilities"]["B"])
        version = item.get("model_version", {}).get("S")
        if version != model_version or len(blob) != num_classes * DTYPE.itemsize:
            return None
        return np.frombuffer(blob, dtype=DTYPE)
    return {"code": item["error_code"]["S"], "message": item["error_message"]["S"]}
