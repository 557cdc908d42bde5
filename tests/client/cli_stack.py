"""The installed `imgcls` console script, run as a subprocess as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_stack import BUCKET, REPO, LocalStack, free_port

__all__ = ["BUCKET", "IMGCLS", "LocalStack", "cli_env", "free_port", "imgcls", "one_line_error"]

IMGCLS = Path(sys.executable).parent / "imgcls"


def cli_env(url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGCLS_")}
    # This checkout's client, whatever checkout the venv's editable install points at.
    client_src = str(REPO / "client" / "src")
    path = os.pathsep.join(p for p in (client_src, env.get("PYTHONPATH")) if p)
    env.update({"COLUMNS": "200", "PYTHONPATH": path, **extra})
    if url is not None:
        env["IMGCLS_API_URL"] = url
    return env


def imgcls(
    *args: str, url: str | None = None, timeout: float = 120, **extra: str
) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    if not IMGCLS.exists():
        pytest.fail(f"{IMGCLS} is missing: pip install -e ./client (make venv does)")
    return subprocess.run(
        [str(IMGCLS), *args],
        env=cli_env(url, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A configuration or usage failure: a single line on stderr, never a traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("imgcls: ")
    return lines[0]
