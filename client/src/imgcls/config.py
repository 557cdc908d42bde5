"""Where the API is and its key: flags, then IMGCLS_* variables, or a deployed stack's outputs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import httpx

from imgcls.errors import ConfigError


@dataclass(frozen=True)
class Endpoint:
    url: str
    key: str | None


def resolve(api_url: str | None, api_key: str | None, stack: str | None) -> Endpoint:
    if stack:
        if api_url:
            raise ConfigError("give --stack or --api-url, not both")
        found, key = from_stack(stack)
        return Endpoint(checked_url(found, f"stack {stack}'s ApiUrl"), api_key or key)
    url = api_url or os.environ.get("IMGCLS_API_URL")
    if not url:
        raise ConfigError("no API URL: pass --api-url URL, set IMGCLS_API_URL, or --stack NAME")
    return Endpoint(checked_url(url, "the API URL"), api_key or os.environ.get("IMGCLS_API_KEY"))


def checked_url(url: str, what: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigError(f"{what} '{url}' is not a URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"{what} '{url}' is not an http(s) URL")
    return url if url.endswith("/") else url + "/"


def from_stack(name: str) -> tuple[str, str]:
    """ApiUrl and ApiKeyId from the stack's outputs, then the key's value from API Gateway."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise ConfigError("--stack needs boto3: pip install './client[stack]'") from None
    try:
        stacks: list[dict[str, Any]] = boto3.client("cloudformation").describe_stacks(
            StackName=name
        )["Stacks"]
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
        missing = [k for k in ("ApiUrl", "ApiKeyId") if k not in outputs]
        if missing:
            raise ConfigError(f"stack {name} has no {' or '.join(missing)} output")
        answer = boto3.client("apigateway").get_api_key(
            apiKey=outputs["ApiKeyId"], includeValue=True
        )
    except (BotoCoreError, ClientError) as exc:
        raise ConfigError(f"--stack {name}: {str(exc).splitlines()[0]}") from None
    return outputs["ApiUrl"], str(answer["value"])
