"""moto-backed S3 and DynamoDB, and the app configured to use them.

Imported by the test modules that need AWS, so that moto's import cost stays out of the others.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from moto_lock import serialize_moto

from function.api.dependencies import current_cache, current_settings
from function.aws import clients
from function.aws.results import TABLE_SCHEMA, ResultsTable
from function.cache.content import ContentCache
from function.cache.lru import LruMap
from function.shared.settings import Settings

serialize_moto()  # the worker calls moto from several threads

BUCKET = "test-images"
TABLE = "test-results"
REGION = "us-east-1"


@dataclass
class Aws:
    s3: Any
    dynamodb: Any


def create_table(dynamodb: Any, name: str) -> None:
    """The key schema template.yaml gives ResultsTable."""
    dynamodb.create_table(TableName=name, **TABLE_SCHEMA)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    clients.reset()  # clients made outside the mock would call real AWS
    with mock_aws():
        aws = Aws(boto3.client("s3", region_name=REGION), boto3.client("dynamodb", REGION))
        aws.s3.create_bucket(Bucket=BUCKET)
        create_table(aws.dynamodb, TABLE)
        yield aws
    clients.reset()


def make_cache(memory: int = 0, table: bool = True) -> ContentCache:
    return ContentCache(
        LruMap(memory) if memory else None, ResultsTable(TABLE) if table else None, 60
    )


@pytest.fixture
def s3_app(aws: Aws, handler_module, model_dir: Path) -> Iterator[Aws]:
    """The app with IMAGES_BUCKET and RESULTS_TABLE set (DynamoDB layer only, no LRU)."""
    settings = Settings(
        model_dir=model_dir, images_bucket=BUCKET, results_table=TABLE, cache_size=0
    )
    app = handler_module.app
    app.dependency_overrides[current_settings] = lambda: settings
    app.dependency_overrides[current_cache] = lambda: make_cache(table=True)
    yield aws
    app.dependency_overrides.clear()


def upload_through_presigned_post(upload: dict, data: bytes, filename: str = "photo.jpg"):
    """POST the file as a browser or `curl -F` would: every field, then the file last."""
    return requests.post(
        upload["url"], data=upload["fields"], files={"file": (filename, data)}, timeout=10
    )


def policy_of(upload: dict) -> dict:
    return json.loads(base64.b64decode(upload["fields"]["policy"]))
