"""One image's outcome, and the drop folder's results: written by the worker, read by the API.

A job's outcomes are recorded by chunk (function/jobs/ledger.py). Raises botocore's
exceptions (throttling, time-outs): the worker fails that message and SQS delivers it again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from function.aws.clients import client
from function.aws.results import DAY_SECONDS, TTL_ATTRIBUTE
from function.jobs.keys import object_pk

# Probabilities of drop-folder objects are kept whole (4 KB), so GET /results serves any top_k.
DTYPE = np.dtype("<f4")


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

    def put_object(self, s3_key: str, probabilities: np.ndarray | None, outcome: Outcome) -> None:
        """The latest outcome for a dropped object; a later upload under the key replaces it."""
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
        client("dynamodb").put_item(TableName=self.table, Item=item)


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
