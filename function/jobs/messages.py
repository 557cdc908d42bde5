"""What an SQS message asks the worker to do: one image of a job, or dropped objects.

Two producers share the queue: POST /jobs sends {"job_id", "index", "s3_key", "top_k"}, and
the bucket's event notification sends S3 event records for objects created under
INCOMING_PREFIX, whose keys arrive URL-encoded. S3 also sends one s3:TestEvent when the
notification is configured: it asks for nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

# Drop-folder images get the same number of predictions as a default classify request,
# but their full probability vectors are kept, so GET /results can serve any top_k.
DROP_FOLDER_TOP_K = 5
# Sequencers seen are 16-18 hex digits; 64 leaves room for S3 to lengthen them.
SEQUENCER_WIDTH = 64
HEX = re.compile(f"[0-9A-Fa-f]{{1,{SEQUENCER_WIDTH}}}")


class MalformedMessage(ValueError):
    """A body neither producer could have sent; it goes to the DLQ for a person to look at."""


@dataclass(frozen=True)
class WorkItem:
    s3_key: str
    top_k: int = DROP_FOLDER_TOP_K
    job_id: str | None = None  # None: a drop-folder object
    index: int = 0
    bucket: str | None = None  # from S3 events: which bucket the object is in
    # From S3 events: orders the events of one key (see sequencer_order); None elsewhere.
    sequencer: str | None = None


def parse_body(body: str) -> list[WorkItem]:
    try:
        message = json.loads(body)
        if not isinstance(message, dict):
            raise TypeError("not an object")
        if message.get("Event") == "s3:TestEvent":
            return []
        if "Records" in message:
            return [_from_s3_record(record) for record in message["Records"]]
        return [
            WorkItem(
                s3_key=str(message["s3_key"]),
                top_k=int(message["top_k"]),
                job_id=str(message["job_id"]),
                index=int(message["index"]),
            )
        ]
    except (ValueError, TypeError, KeyError) as exc:
        raise MalformedMessage(f"not a job or S3 event message: {exc!r}") from exc


def _from_s3_record(record: dict[str, Any]) -> WorkItem:
    s3 = record["s3"]
    # S3 encodes keys like an HTML form: spaces as '+', everything else as %XX.
    return WorkItem(
        s3_key=unquote_plus(s3["object"]["key"]),
        bucket=s3["bucket"]["name"],
        sequencer=sequencer_order(s3["object"].get("sequencer")),
    )


def sequencer_order(sequencer: object) -> str | None:
    """The event's sequencer as a string that sorts as S3 says they compare.

    S3's sequencers are hexadecimal strings of varying length, ordered for one key by
    left-padding the shorter with zeros and comparing; padded to one width and upper-cased,
    DynamoDB's string comparison orders them the same way. None when absent or not hex.
    """
    if not isinstance(sequencer, str) or not HEX.fullmatch(sequencer):
        return None
    return sequencer.upper().rjust(SEQUENCER_WIDTH, "0")


def job_message(job_id: str, index: int, s3_key: str, top_k: int) -> str:
    return json.dumps({"job_id": job_id, "index": index, "s3_key": s3_key, "top_k": top_k})
