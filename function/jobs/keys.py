"""The results table's item keys for jobs and drop-folder objects, in one place.

All share ResultsTable's single partition key "pk" with a kind prefix (the content cache's
items are "cache#..."):
  job#<id>                  the job: counts, status, top_k, expiry
  job#<id>#keys#<page>      up to PAGE_SIZE of the job's S3 keys, in request order
  job#<id>#chunk#<n>        the outcomes of one chunk of up to 10 images; written once, with
                            a count shard, in one transaction (the worker's duplicate guard)
  job#<id>#count#<s>        a shard of the job's counts: succeeded, failed, chunks
  idem#<scope>#<key>        which job an Idempotency-Key created, and a hash of the request
  object#<s3 key>           the outcome for an object dropped under INCOMING_PREFIX
"""

from __future__ import annotations

import uuid

# Results per GET /jobs page, and keys per stored keys item (100 keys of S3's longest fit in
# DynamoDB's 400 KB item limit; a page of results is one BatchGetItem of at most 100 keys).
PAGE_SIZE = 100


def job_pk(job_id: str) -> str:
    return f"job#{job_id}"


def keys_pk(job_id: str, page: int) -> str:
    return f"job#{job_id}#keys#{page}"


def chunk_pk(job_id: str, chunk: int) -> str:
    return f"job#{job_id}#chunk#{chunk}"


def count_pk(job_id: str, shard: int) -> str:
    return f"job#{job_id}#count#{shard}"


def idempotency_pk(scope: str, key: str) -> str:
    return f"idem#{scope}#{key}"


def object_pk(s3_key: str) -> str:
    return f"object#{s3_key}"


def is_job_id(text: str) -> bool:
    """Only the canonical lower-case form of a version 4 UUID, as POST /jobs issues."""
    try:
        parsed = uuid.UUID(text)
    except ValueError:
        return False
    return parsed.version == 4 and str(parsed) == text
