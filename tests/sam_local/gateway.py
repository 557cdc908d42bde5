"""The test side of gateway_driver.py: HTTP requests through `sam local start-api`'s gateway code,
each Lambda event answered by our real handler in this process."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("gateway_driver.py")


@dataclass
class Exchange:
    status: int
    headers: dict[str, str]
    body: bytes
    events: list[dict] = field(default_factory=list)  # what the function was invoked with

    def json(self) -> dict:
        return json.loads(self.body)


def tools_python() -> str:
    """The SAM CLI's interpreter; `make test` sets REQUIRE_TOOLS so CI never skips."""
    python = REPO / ".venv-tools" / "bin" / "python"
    if python.exists():
        return str(python)
    if os.environ.get("REQUIRE_TOOLS"):
        pytest.fail("the SAM CLI is not installed: run `make tools`")
    pytest.skip("the SAM CLI is not installed (run `make tools`)")


class SamLocalGateway:
    def __init__(self, process: subprocess.Popen, lambda_handler: Callable[[dict], dict], log):
        self.process = process
        self.lambda_handler = lambda_handler
        self.log = log

    def _send(self, message: dict) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Exchange:
        payload = base64.b64encode(body).decode()
        self._send({"method": method, "path": path, "headers": headers, "body": payload})
        events = []
        assert self.process.stdout is not None
        while line := self.process.stdout.readline():
            message = json.loads(line)
            if "event" in message:
                events.append(message["event"])
                self._send({"response": self.lambda_handler(message["event"])})
                continue
            result = message["result"]
            body = base64.b64decode(result["body"])
            headers = {name.lower(): value for name, value in result["headers"].items()}
            return Exchange(result["status"], headers, body, events)
        self.log.seek(0)
        raise AssertionError(f"the SAM CLI driver stopped: {self.log.read()}")


@contextmanager
def sam_local_gateway(lambda_handler: Callable[[dict], dict]) -> Iterator[SamLocalGateway]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    # SAM's log goes to a file: a pipe nobody reads could fill up and stall the driver.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [tools_python(), str(DRIVER), str(REPO / "template.yaml")],
            cwd=REPO,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            yield SamLocalGateway(process, lambda_handler, log)
        finally:
            process.stdin.close()  # type: ignore[union-attr]
            process.wait(timeout=30)
            process.stdout.close()  # type: ignore[union-attr]
