"""The hook's two boto3 clients, with time-outs for invoking a version that starts cold."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

# The new version's first invocation runs its init phase (the model load) before answering.
INVOKE_READ_TIMEOUT_SECONDS = 60
CONNECT_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Clients:
    lambda_: Any
    codedeploy: Any


@cache
def default_clients() -> Clients:
    import boto3  # here, not at import: the tests hand in their own clients
    from botocore.config import Config

    retries = {"max_attempts": 3, "mode": "standard"}
    invoke = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=INVOKE_READ_TIMEOUT_SECONDS,
        retries=retries,
    )
    report = Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=10, retries=retries)
    return Clients(boto3.client("lambda", config=invoke), boto3.client("codedeploy", config=report))
