"""What the new version said: a Lambda Invoke response, read as the API's answer."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int  # the API's HTTP status; 0 when the function itself failed
    index: int | None = None
    label: str | None = None
    model_version: str | None = None
    problem: str | None = None  # why there is no usable answer, in a few words


def read_answer(response: dict[str, Any]) -> Answer:
    """`response` is boto3's lambda.invoke result (Payload a stream)."""
    payload = response["Payload"].read()
    if response.get("FunctionError"):
        return Answer(0, problem=f"function error {response['FunctionError']}: {payload[:300]!r}")
    try:
        proxy = json.loads(payload)
        body = proxy.get("body") or ""
        if proxy.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8")
        status = int(proxy["statusCode"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return Answer(0, problem=f"not an API Gateway proxy response: {exc!r}")
    if status != 200:
        return Answer(status, problem=f"HTTP {status}: {body[:300]}")
    try:
        document = json.loads(body)
        top = document["predictions"][0]
        return Answer(200, int(top["index"]), str(top["class"]), str(document["model"]["version"]))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        return Answer(status, problem=f"200 without a classification: {exc!r}")
