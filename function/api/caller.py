"""Who is calling: one stable id per caller, taken from what API Gateway has verified.

Mangum puts the gateway's event in the ASGI scope ("aws.event"). Its request context names
the caller that the chosen AuthMode (docs/auth-modes.md) let through. The id owns the jobs the
caller creates and scopes its Idempotency-Keys (docs/tenancy.md). The most specific
identity wins. With an API key required on top of IAM or Cognito, the key only meters the
caller, so the principal owns the job, not the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOCAL = "local"  # no gateway at all: uvicorn (make run) or the TestClient
ANONYMOUS = "anonymous"  # a gateway event that names nobody: sam local start-api, an open route
# A longer value is hashed: IAM ARNs may reach 2048 characters, and the id is part of the
# Idempotency-Key's DynamoDB key, which must stay under 2048 bytes.
MAX_VALUE_BYTES = 256

# (namespace, path in the request context), most specific first.
_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cognito", ("authorizer", "claims", "sub")),  # REST API, Cognito user-pool authorizer
    # Cognito identity-pool users all sign with one role and one session name, so their
    # userArn is shared: the identity id is what tells them apart.
    ("cognito-identity", ("identity", "cognitoIdentityId")),  # REST API, AWS_IAM
    ("cognito-identity", ("authorizer", "iam", "cognitoIdentity", "identityId")),  # HTTP API
    ("iam", ("identity", "userArn")),  # REST API, AWS_IAM
    ("iam", ("authorizer", "iam", "userArn")),  # HTTP API (payload 2.0), IAM authorization
    ("key", ("identity", "apiKeyId")),  # REST API, API key required
)


@dataclass(frozen=True)
class Caller:
    id: str

    def may_read(self, owner: str | None) -> bool:
        """owner is None for jobs stored before jobs recorded one: only a local caller reads
        those, since nothing says which gateway caller created them."""
        return self.id == LOCAL if owner is None else owner == self.id


def caller_of(scope: Mapping[str, Any]) -> Caller:
    event = scope.get("aws.event")
    if not isinstance(event, Mapping):
        return Caller(LOCAL)
    context = event.get("requestContext")
    for namespace, path in _SOURCES:
        value = _lookup(context, path)
        if isinstance(value, str) and value:
            return Caller(f"{namespace}:{_bounded(value)}")
    return Caller(ANONYMOUS)


def _lookup(node: Any, path: tuple[str, ...]) -> Any:
    # A Lambda authorizer's context may hold strings where these paths expect objects.
    for name in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(name)
    return node


def _bounded(value: str) -> str:
    if len(value.encode()) <= MAX_VALUE_BYTES:
        return value
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()
