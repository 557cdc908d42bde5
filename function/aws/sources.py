"""The buckets prefix jobs may read: the stack's own, and those the template's SourceBuckets
names (the worker's role can read no other). Keys found by listing are S3's own: any name
of 1 to 1024 UTF-8 bytes, so they are not held to the upload-key rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from function.aws.s3 import ImageStore
from function.shared import errors
from function.shared.settings import Settings

MAX_KEY_BYTES = 1024


def allowed_buckets(settings: Settings) -> frozenset[str]:
    return frozenset(name for name in (settings.images_bucket, *settings.source_buckets) if name)


def check_bucket(settings: Settings, bucket: str) -> str:
    if bucket not in allowed_buckets(settings):
        raise errors.BucketNotAllowed(
            f"The bucket '{bucket[:255]}' is not one of this stack's source buckets "
            "(IMAGES_BUCKET and the SourceBuckets parameter)."
        )
    return bucket


@dataclass(frozen=True)
class ListedObjects(ImageStore):
    def check_key(self, key: str) -> str:
        if not key or len(key.encode()) > MAX_KEY_BYTES:
            raise errors.InvalidS3Key("An S3 key is 1 to 1024 UTF-8 bytes.")
        return key


def source_store(settings: Settings, bucket: str) -> ImageStore:
    """Reads objects that a listing found in an allowed bucket, within MAX_UPLOAD_BYTES."""
    return ListedObjects(check_bucket(settings, bucket), "", settings.max_upload_bytes)
