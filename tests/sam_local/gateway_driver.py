"""Runs inside .venv-tools: `sam local start-api`'s own gateway code, with the test as the Lambda.

The SAM CLI's Flask app (LocalApigwService) is built from template.yaml exactly as
`sam local start-api` builds it; only the container runtime is replaced. Over stdin/stdout,
one JSON object per line:
  test -> driver  {"method", "path", "headers", "body"}      an HTTP request (body in base64)
  driver -> test  {"event": {...}}                          the Lambda event SAM built
  test -> driver  {"response": {...}}                       the handler's answer to it
  driver -> test  {"result": {"status", "headers", "body"}}  what the HTTP client receives
When SAM fails before invoking the function, no "event" line is sent, as no Lambda runs.
"""

from __future__ import annotations

import base64
import json
import logging
import sys

from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.local.apigw.local_apigw_service import LocalApigwService

# SAM prints its logs to stdout; the protocol owns the real stdout.
CHANNEL = sys.stdout
sys.stdout = sys.stderr


def send(message: dict) -> None:
    CHANNEL.write(json.dumps(message) + "\n")
    CHANNEL.flush()


def receive() -> dict | None:
    line = sys.stdin.readline()
    return json.loads(line) if line else None


class TestAsLambda:
    """Stands in for LocalLambdaRunner: hands each event to the test and relays its answer."""

    def is_debugging(self) -> bool:
        return False

    def invoke(self, function_name, event, stdout, stderr=None, tenant_id=None) -> None:
        send({"event": json.loads(event), "function": function_name})
        reply = receive() or {}
        stdout.write_str(json.dumps(reply["response"]))


def main(template: str) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    stacks, _ = SamLocalStackProvider.get_stacks(template)
    service = LocalApigwService(ApiProvider(stacks).api, TestAsLambda(), port=3000)
    service.create()
    client = service._app.test_client()
    while request := receive():
        answer = client.open(
            request["path"],
            method=request["method"],
            headers=request["headers"],
            data=base64.b64decode(request["body"]),
        )
        body = base64.b64encode(answer.get_data()).decode()
        send(
            {
                "result": {
                    "status": answer.status_code,
                    "headers": dict(answer.headers),
                    "body": body,
                }
            }
        )


if __name__ == "__main__":
    main(sys.argv[1])
