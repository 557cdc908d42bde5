"""Servers the tests start on 127.0.0.1: a free port for each, and waiting for it to answer."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    url: str, process: subprocess.Popen[bytes], seconds: float = 120, log: Path | None = None
) -> None:
    """Until `url` answers; fails at once if the process exits, with the end of its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            ended = f"{process.args} exited with {process.returncode} before {url} answered"
            pytest.fail(ended + _tail(log))
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {seconds} s" + _tail(log))


def _tail(log: Path | None) -> str:
    return f":\n{log.read_text()[-3000:]}" if log is not None else ""
