"""Writing one S3 object as a stream of parts, so that its size never has to fit in memory.

Text is buffered until PART_BYTES (S3 wants at least 5 MiB for every part but the last),
then sent as one UploadPart; close() sends the rest and completes the upload. On an error
the upload is aborted (the bucket's lifecycle rule also aborts any left behind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from function.aws.clients import client

PART_BYTES = 8 * 1024 * 1024


@dataclass
class MultipartWriter:
    bucket: str
    key: str
    content_type: str
    part_bytes: int = PART_BYTES
    _buffer: list[bytes] = field(default_factory=list)
    _buffered: int = 0
    _parts: list[dict[str, Any]] = field(default_factory=list)
    _upload_id: str = ""

    def __enter__(self) -> MultipartWriter:
        created = client("s3").create_multipart_upload(
            Bucket=self.bucket, Key=self.key, ContentType=self.content_type
        )
        self._upload_id = created["UploadId"]
        return self

    def write(self, text: str) -> None:
        data = text.encode()
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= self.part_bytes:
            self._flush()

    def _flush(self) -> None:
        number = len(self._parts) + 1
        answer = client("s3").upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=b"".join(self._buffer),
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer, self._buffered = [], 0

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        s3 = client("s3")
        if error is not None:
            s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            return
        if self._buffer or not self._parts:  # an empty file is one empty part
            self._flush()
        s3.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
