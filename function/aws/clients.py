"""boto3 clients, created on first use and kept for the life of the execution environment.

Importing boto3 costs about a tenth of a second of cold start, so nothing here runs at import
time: a deployment that never touches S3 or DynamoDB never pays for it. The endpoint comes
from the standard AWS_ENDPOINT_URL variable, which is how `make run AWS=local` points the
service at moto's server.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

# Fail fast: API Gateway gives up after 29 s, and a hung S3 read must end as our 503 first.
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
MAX_ATTEMPTS = 3
# DynamoDB's answers to a request that breaks its rules (an item over 400 KB, a key over
# 2048 bytes, a malformed expression); S3's to a key over 1024 bytes.
INVALID_REQUEST_CODES = frozenset(
    {"ValidationException", "SerializationException", "KeyTooLongError"}
)


_creating = threading.Lock()


def client(service: str) -> Any:
    # Batch reads call this from several threads at once; build each client only once.
    with _creating:
        return _client(service)


@cache
def _client(service: str) -> Any:
    from botocore.config import Config

    s3_options = {}
    if os.environ.get("AWS_ENDPOINT_URL"):
        # A local stand-in answers on one host name; virtual-hosted bucket names would not resolve.
        s3_options = {"addressing_style": "path"}
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        s3=s3_options,
        signature_version="s3v4" if service == "s3" else None,
    )
    return _session().client(service, config=config)


@cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()


def require_credentials() -> None:
    """Raise botocore's NoCredentialsError now: presigning without credentials fails obscurely."""
    from botocore.exceptions import NoCredentialsError

    with _creating:
        session = _session()
    if session.get_credentials() is None:
        raise NoCredentialsError()


def failure_kind(exc: BaseException) -> str | None:
    """'not_found' or 'unavailable' for an error raised by botocore; None for anything else.

    None too when AWS refused the request itself as invalid: the service sent a request it
    must never send, which is a bug to log and answer with a 500, not an outage to retry.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        if error.get("Code") in ("404", "NoSuchKey", "NotFound"):
            return "not_found"
        if error.get("Code") in INVALID_REQUEST_CODES:
            return None
        return "unavailable"  # throttling, access denied, server errors, expired credentials
    if isinstance(exc, BotoCoreError):
        return "unavailable"  # time-outs, connection failures, missing credentials
    return None


def reset() -> None:
    """Forget every client (tests: new credentials, new endpoint, a new moto mock)."""
    with _creating:
        _client.cache_clear()
        _session.cache_clear()
