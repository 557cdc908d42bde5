"""Writing one S3 object as a stream of parts, so that its size never has to fit in memory.

Text is buffered until the caller flushes (S3 wants at least 5 MiB for every part but the
last) and sent as one UploadPart. An upload can be resumed by its id in a later invocation:
the parts already sent are listed from S3, and the next part follows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from function.aws.clients import client

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's least for every part but the last
MAX_PART_BYTES = 5 * 1024**3  # S3's most for any part
MAX_PARTS = 10_000  # S3's most per upload
FIRST_PART_BYTES = 8 * 1024 * 1024
PARTS_PER_SIZE = 1000


def part_bytes(number: int) -> int:
    """What part `number` (from 1) is filled to: 8 MiB for parts 1-1000, doubled every thousand
    after. Files under 8 GB keep small parts; 10,000 parts hold 7.8 TiB (S3's largest object
    is 5 TiB), and the largest, 4 GiB, leaves a GiB below MAX_PART_BYTES for the rows written
    past it before the part is sent. Memory holds a part of each file: see docs/bulk.md."""
    return FIRST_PART_BYTES << ((number - 1) // PARTS_PER_SIZE)


@dataclass
class MultipartWriter:
    bucket: str
    key: str
    upload_id: str = ""
    _buffer: list[bytes] = field(default_factory=list)
    _parts: list[dict[str, Any]] = field(default_factory=list)
    buffered: int = 0

    def start(self, content_type: str, keep: int | None = None) -> MultipartWriter:
        """A new upload, or the parts of the one named by upload_id: its first `keep` parts
        (all when None). A step that died after sending more parts than its checkpoint
        counts sends them again in their place, since appending would repeat their rows."""
        s3 = client("s3")
        if not self.upload_id:
            created = s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=content_type
            )
            self.upload_id = created["UploadId"]
            return self
        request = {"Bucket": self.bucket, "Key": self.key, "UploadId": self.upload_id}
        for page in s3.get_paginator("list_parts").paginate(**request):
            self._parts += [
                {"PartNumber": p["PartNumber"], "ETag": p["ETag"]}
                for p in page.get("Parts", [])
                if keep is None or p["PartNumber"] <= keep
            ]
        return self

    @property
    def parts(self) -> int:
        return len(self._parts)

    def write(self, text: str) -> None:
        data = text.encode()
        self._buffer.append(data)
        self.buffered += len(data)

    def flush(self) -> None:
        """Send what is buffered as the next part (the last part may be small, even empty)."""
        number = len(self._parts) + 1
        answer = client("s3").upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=b"".join(self._buffer),
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer, self.buffered = [], 0

    def complete(self) -> None:
        if self._buffer or not self._parts:
            self.flush()
        client("s3").complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self._parts},
        )
