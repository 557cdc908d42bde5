"""What an SQS message asks the worker to do: a chunk of a job's images, or dropped objects.

Two producers send images: jobs send chunks, {"kind": "chunk", "job_id", "chunk", "bucket",
"top_k", "items": [[index, s3_key], ...]} (bucket null: the stack's bucket, keys checked as
/classify checks them; a bucket name: keys found by listing a prefix), and the bucket's event
notification sends S3 event records for objects created under INCOMING_PREFIX, whose keys
arrive URL-encoded. S3 also sends one s3:TestEvent when the notification is configured: it
asks for nothing. The jobs' own steps (list, export) are read by function/jobs/tasks.py.
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
    bucket: str | None = None  # from S3 events and listed chunks: which bucket it is in
    # From S3 events: orders the events of one key (see sequencer_order); None elsewhere.
    sequencer: str | None = None
    chunk: int = 0  # a job's images travel and are recorded in numbered chunks
    listed: bool = False  # found by listing a prefix: any S3 key, in a source bucket


def parse_body(body: str) -> list[WorkItem]:
    try:
        message = json.loads(body)
        if not isinstance(message, dict):
            raise TypeError("not an object")
        if message.get("Event") == "s3:TestEvent":
            return []
        if "Records" in message:
            return [_from_s3_record(record) for record in message["Records"]]
        if message.get("kind") == "chunk":
            return _from_chunk(message)
        raise ValueError("no kind")
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


def _from_chunk(message: dict[str, Any]) -> list[WorkItem]:
    bucket = message["bucket"]
    return [
        WorkItem(
            s3_key=str(key),
            top_k=int(message["top_k"]),
            job_id=str(message["job_id"]),
            index=int(index),
            bucket=None if bucket is None else str(bucket),
            chunk=int(message["chunk"]),
            listed=bucket is not None,
        )
        for index, key in message["items"]
    ]


def chunk_message(
    job_id: str, chunk: int, bucket: str | None, top_k: int, items: list[tuple[int, str]]
) -> str:
    body = {"kind": "chunk", "job_id": job_id, "chunk": chunk, "bucket": bucket, "top_k": top_k}
    return json.dumps({**body, "items": [list(item) for item in items]})
