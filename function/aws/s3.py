"""The images bucket: sign uploads into it, and read them back within the size limit."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from function.aws.clients import client, failure_kind, require_credentials
from function.shared import errors
from function.shared.observability import logger
from function.shared.settings import Settings

UPLOAD_EXPIRES_SECONDS = 300
# S3's "safe" key characters; anything else was not issued by this service.
SAFE_KEY = re.compile(r"[A-Za-z0-9!_.*'()/-]{1,1024}")
# S3's own limit on a key, in UTF-8 bytes (not characters); DynamoDB counts its keys in bytes too.
MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class ImageStore:
    bucket: str
    prefix: str
    max_bytes: int
    # False for the drop folder: S3 itself announced those objects, and people name them
    # ("Final..v2.png", "a//b.jpg", any script). S3 has no paths, so any name is an object.
    strict: bool = True

    def check_key(self, key: str) -> str:
        """The key itself when it names an upload this service could have issued, or (not
        strict) any name S3 could hold under the prefix."""
        if not self.strict:
            return self._check_any_key(key)
        _check_bytes(key)
        if (
            not SAFE_KEY.fullmatch(key)
            or not key.startswith(self.prefix)
            or len(key) == len(self.prefix)
            or ".." in key
            or "//" in key
            or key.startswith("/")
        ):
            raise errors.InvalidS3Key(
                f"'{key[:200]}' is not an upload key: keys come from POST /uploads and "
                f"start with '{self.prefix}'."
            )
        return key

    def _check_any_key(self, key: str) -> str:
        if not key.startswith(self.prefix) or len(key) == len(self.prefix):
            raise errors.InvalidS3Key(f"'{key[:200]}' is not under '{self.prefix}'.")
        _check_bytes(key)
        return key

    def presign_upload(self, content_type: str) -> dict[str, Any]:
        """A presigned POST for a fresh, unguessable key; S3 enforces its policy on upload."""
        key = f"{self.prefix}{secrets.token_urlsafe(24)}"
        with _storage_errors(key):
            require_credentials()
            upload = client("s3").generate_presigned_post(
                Bucket=self.bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    ["content-length-range", 1, self.max_bytes],
                    ["starts-with", "$Content-Type", "image/"],
                ],
                ExpiresIn=UPLOAD_EXPIRES_SECONDS,
            )
        return {"key": key, "upload": upload}

    def read(self, key: str, reserve: Callable[[int], None] | None = None) -> bytes:
        """The object's bytes: HEAD first to refuse big objects unread, then a bounded read.

        `reserve(size)` runs between the two, so that a caller can wait for room in memory.
        """
        self.check_key(key)
        s3 = client("s3")
        with _storage_errors(key):
            size = s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
            self._check_size(size)
            if reserve is not None:
                reserve(size)
            body = s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                # One byte more than allowed: the object may have been replaced since the HEAD.
                data = body.read(self.max_bytes + 1)
            finally:
                body.close()
        self._check_size(len(data))
        if not data:
            raise errors.EmptyBody(f"The object '{key}' is empty.")
        return bytes(data)

    def _check_size(self, size: int) -> None:
        if size > self.max_bytes:
            raise errors.PayloadTooLarge(
                f"The object is {size:,} bytes; the limit is {self.max_bytes:,}."
            )


def _check_bytes(key: str) -> None:
    """S3's limit, in UTF-8 bytes; a lone surrogate is no key at all (none decodes to one)."""
    size = utf8_size(key)
    if size is None or size > MAX_KEY_BYTES:
        measured = "cannot be UTF-8" if size is None else f"is {size:,} bytes of UTF-8"
        raise errors.InvalidS3Key(
            f"'{key[:200]}' is not an S3 key: it {measured}, and S3 keys have at most "
            f"{MAX_KEY_BYTES} bytes."
        )


def utf8_size(text: str) -> int | None:
    """Bytes in UTF-8, or None for text UTF-8 cannot encode (a lone surrogate)."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None


@contextmanager
def _storage_errors(key: str) -> Iterator[None]:
    """botocore's exceptions as the service's errors, with the cause in the log."""
    try:
        yield
    except Exception as exc:
        kind = failure_kind(exc)
        if kind == "not_found":
            raise errors.ObjectNotFound(f"No object '{key}': upload it first.") from exc
        if kind is None:
            raise
        logger.warning("image storage failed", extra={"s3_key": key, "cause": repr(exc)})
        raise errors.StorageUnavailable() from exc


def image_store(settings: Settings) -> ImageStore:
    """The deployment's images bucket, or the 501 that says how to configure one."""
    if not settings.images_bucket:
        raise errors.S3NotConfigured()
    return ImageStore(settings.images_bucket, settings.upload_prefix, settings.max_upload_bytes)


def incoming_store(settings: Settings) -> ImageStore:
    """The drop folder: objects people put under INCOMING_PREFIX, named as they like."""
    return ImageStore(
        settings.images_bucket, settings.incoming_prefix, settings.max_upload_bytes, strict=False
    )
