"""Announcing a finished job on the account's default EventBridge bus.

Rules match on source and detail-type; docs/bulk.md shows one that forwards the event to SNS.
"""

from __future__ import annotations

import json
from typing import Any

from function.aws.clients import client

SOURCE = "image-classifier.jobs"
JOB_COMPLETED = "Classification Job Completed"
BUS = "default"


class EventNotSent(Exception):
    """EventBridge refused the entry (FailedEntryCount): the export step is retried."""


def announce(detail_type: str, detail: dict[str, Any]) -> None:
    answer = client("events").put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": BUS,
            }
        ]
    )
    if answer.get("FailedEntryCount"):
        raise EventNotSent(f"EventBridge refused the event: {answer.get('Entries')}")
