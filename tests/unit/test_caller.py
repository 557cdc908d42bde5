"""function/api/caller.py: one stable, namespaced id per caller, from the gateway's context."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from function.api.caller import ANONYMOUS, LOCAL, MAX_VALUE_BYTES, Caller, caller_of
from function.jobs.keys import idempotency_pk

ROLE_SESSION = "arn:aws:sts::123456789012:assumed-role/reporting/nightly"


def scope(context: dict[str, Any]) -> dict[str, Any]:
    return {"type": "http", "aws.event": {"requestContext": context}}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"identity": {"apiKeyId": "k7x1"}}, "key:k7x1"),
        ({"identity": {"userArn": ROLE_SESSION}}, f"iam:{ROLE_SESSION}"),
        ({"authorizer": {"claims": {"sub": "5f1c-aa"}}}, "cognito:5f1c-aa"),
        ({"authorizer": {"iam": {"userArn": ROLE_SESSION}}}, f"iam:{ROLE_SESSION}"),
        ({"identity": {"cognitoIdentityId": "us-east-1:9a"}}, "cognito-identity:us-east-1:9a"),
        (
            {"authorizer": {"iam": {"cognitoIdentity": {"identityId": "us-east-1:9b"}}}},
            "cognito-identity:us-east-1:9b",
        ),
    ],
    ids=["api-key", "iam-rest", "cognito", "iam-http-api", "identity-pool", "identity-pool-v2"],
)
def test_each_auth_mode_names_its_caller(context, expected) -> None:
    assert caller_of(scope(context)).id == expected


def test_the_principal_owns_the_job_when_a_key_only_meters_it() -> None:
    both = {"identity": {"apiKeyId": "k7x1", "userArn": ROLE_SESSION}}
    assert caller_of(scope(both)).id == f"iam:{ROLE_SESSION}"
    signed_in = {"identity": {"apiKeyId": "k7x1"}, "authorizer": {"claims": {"sub": "u1"}}}
    assert caller_of(scope(signed_in)).id == "cognito:u1"


def test_identity_pool_users_sharing_one_role_are_told_apart() -> None:
    shared = "arn:aws:sts::123456789012:assumed-role/app-auth/CognitoIdentityCredentials"
    first = {"identity": {"userArn": shared, "cognitoIdentityId": "us-east-1:a"}}
    second = {"identity": {"userArn": shared, "cognitoIdentityId": "us-east-1:b"}}
    assert caller_of(scope(first)) != caller_of(scope(second))


def test_without_a_gateway_the_caller_is_local() -> None:
    assert caller_of({"type": "http"}).id == LOCAL


@pytest.mark.parametrize(
    "context",
    [
        None,
        {},
        # what `sam local start-api` sends (samcli ContextIdentity): every identity field null
        {"identity": {"apiKey": None, "userArn": None, "sourceIp": "127.0.0.1"}},
        {"identity": {"apiKeyId": ""}},
        # a Lambda authorizer's context holds strings where the paths expect objects
        {"authorizer": {"claims": "sub=x", "iam": "y", "principalId": "someone"}},
    ],
    ids=["no-context", "empty", "sam-local", "empty-key", "lambda-authorizer"],
)
def test_a_gateway_event_that_names_nobody_is_anonymous(context) -> None:
    assert caller_of(scope(context) if context is not None else {"aws.event": {}}).id == ANONYMOUS


def test_namespaces_keep_equal_values_apart() -> None:
    same = "abc"
    ids = {
        caller_of(scope({"identity": {"apiKeyId": same}})).id,
        caller_of(scope({"identity": {"userArn": same}})).id,
        caller_of(scope({"authorizer": {"claims": {"sub": same}}})).id,
    }
    assert len(ids) == 3
    assert not ids & {LOCAL, ANONYMOUS}


def test_a_long_principal_is_hashed_so_the_idempotency_key_fits_dynamodb() -> None:
    # IAM allows ARNs of 2048 characters; with a 255-byte Idempotency-Key the item key must
    # stay within DynamoDB's 2048 bytes.
    longest = "arn:aws:iam::123456789012:user/" + "p/" * 1000
    longest = longest[:2048]
    caller = caller_of(scope({"identity": {"userArn": longest}}))
    assert caller.id == "iam:sha256:" + hashlib.sha256(longest.encode()).hexdigest()
    assert len(idempotency_pk(caller.id, "k" * 255).encode()) < 2048
    other = caller_of(scope({"identity": {"userArn": longest[:-1] + "q"}}))
    assert other != caller
    at_limit = "u" * MAX_VALUE_BYTES
    assert caller_of(scope({"identity": {"userArn": at_limit}})).id == f"iam:{at_limit}"


def test_a_caller_reads_only_its_own_jobs_and_only_local_reads_ownerless_ones() -> None:
    alice, bob = Caller("key:alice"), Caller("key:bob")
    assert alice.may_read("key:alice")
    assert not bob.may_read("key:alice")
    assert not alice.may_read(None)  # stored before owners were recorded
    assert not Caller(ANONYMOUS).may_read(None)
    assert Caller(LOCAL).may_read(None)
    assert not Caller(LOCAL).may_read("key:alice")
