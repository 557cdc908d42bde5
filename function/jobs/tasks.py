"""A job's own steps, sent through the jobs queue beside the image chunks.

  {"kind": "list", "job_id", "bucket", "prefix", "top_k", "page", "token", "index", "chunk"}
      list one ListObjectsV2 page of the prefix (token: its continuation token, null for the
      first page), queue its chunks numbered from "chunk", its images from "index"
  {"kind": "export", "job_id", "uploads", "chunk", "parts"}
      write the finished job's export files (going on from "chunk" in the multipart
      "uploads" when a step before ran out of time), announce the job, mark it done

Going through the queue gives each step SQS's retries and the DLQ, and keeps the listing of a
prefix of any size out of the API's 29 seconds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ListStep:
    job_id: str
    bucket: str
    prefix: str
    top_k: int
    page: int = 0
    token: str | None = None
    index: int = 0
    chunk: int = 0

    def body(self) -> str:
        return json.dumps({"kind": "list", **asdict(self)})


@dataclass(frozen=True)
class ExportStep:
    job_id: str
    # A long export goes on in a later step: its uploads, and the first chunk not in a part.
    uploads: dict[str, str] = field(default_factory=dict)
    chunk: int = 0
    parts: int | None = None  # how many parts each upload had at "chunk" (None: as listed)

    def body(self) -> str:
        return json.dumps({"kind": "export", **asdict(self)})


Task = ListStep | ExportStep


def parse_task(body: str) -> Task | None:
    """The step a body asks for, or None when it is not a step (an image message)."""
    try:
        message: Any = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict):
        return None
    fields = {name: value for name, value in message.items() if name != "kind"}
    try:
        if message.get("kind") == "list":
            return ListStep(**fields)
        if message.get("kind") == "export":
            return ExportStep(**fields)
    except TypeError as exc:
        raise ValueError(f"malformed {message.get('kind')} step: {exc}") from exc
    return None
