"""Where the deployed API is: API_URL, or the ApiUrl output of the stack named STACK_NAME."""

from __future__ import annotations

import os
from collections.abc import Mapping

import boto3
from botocore.exceptions import BotoCoreError, ClientError


class StackLookupError(Exception):
    pass


def resolve_api_url(env: Mapping[str, str] = os.environ, cloudformation=None) -> str | None:
    """The base URL (ending in '/'), or None when no deployed stack is configured."""
    if env.get("API_URL"):
        return env["API_URL"].rstrip("/") + "/"
    stack = env.get("STACK_NAME")
    if not stack:
        return None
    client = cloudformation or boto3.client("cloudformation")
    try:
        stacks = client.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as exc:
        raise StackLookupError(f"stack {stack}: {exc.response['Error']['Message']}") from exc
    except BotoCoreError as exc:
        raise StackLookupError(f"stack {stack}: {exc}") from exc
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    if "ApiUrl" not in outputs:
        raise StackLookupError(f"stack {stack} has no ApiUrl output; is it this project's?")
    return outputs["ApiUrl"].rstrip("/") + "/"
