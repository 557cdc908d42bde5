"""An image too large for a request body: POST /uploads, then the presigned POST to S3."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from imgcls.errors import ApiError
from imgcls.files import content_type
from imgcls.transport import Api


@dataclass(frozen=True)
class Uploaded:
    key: str
    bucket: str | None


def upload(api: Api, path: Path, data: bytes) -> Uploaded:
    kind = content_type(path)
    answer = api.call("POST", "/uploads", params={"content_type": kind}).json()
    if len(data) > answer["max_bytes"]:
        raise ApiError(
            413,
            "payload_too_large",
            f"{len(data):,} bytes; the bucket takes at most {answer['max_bytes']:,}",
        )
    form = answer["upload"]
    # S3 wants the file as the last field; httpx writes `data` fields before `files`.
    api.call(
        "POST",
        form["url"],
        external=True,
        data=form["fields"],
        files={"file": (path.name, data, kind)},
    )
    return Uploaded(answer["key"], bucket_of(form["url"]))


def bucket_of(url: str) -> str | None:
    """The bucket a presigned POST goes to: virtual-hosted (bucket.s3.…) or path-style."""
    parsed = httpx.URL(url)
    host = parsed.host
    if ".s3." in host or ".s3-" in host:
        return host.split(".s3", 1)[0]
    first = parsed.path.strip("/").split("/", 1)[0]
    return first or None
