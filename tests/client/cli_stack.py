"""The local stack the CLI tests run against, started on free ports as `make run AWS=local`
starts it (scripts/local_aws.py: moto's server, the bucket, table and queue, the worker, and
the API under uvicorn), and the installed `imgcls` console script run as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
IMGCLS = Path(sys.executable).parent / "imgcls"
BUCKET, TABLE = "local-images", "local-results"  # scripts/local_aws.py's names


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LocalStack:
    url: str
    moto: str

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.moto,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def uploaded_keys(self) -> list[str]:
        """Every object under uploads/: POST /uploads picks a fresh key for each upload, so
        this counts uploads as S3 received them."""
        pages = self.client("s3").get_paginator("list_objects_v2")
        return [
            o["Key"]
            for p in pages.paginate(Bucket=BUCKET, Prefix="uploads/")
            for o in p.get("Contents", [])
        ]

    def job_ids(self) -> set[str]:
        items = self.client("dynamodb").scan(TableName=TABLE, ProjectionExpression="pk")["Items"]
        return {
            i["pk"]["S"].split("#")[1]
            for i in items
            if i["pk"]["S"].count("#") == 1 and i["pk"]["S"].startswith("job#")
        }


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"the local stack exited ({process.returncode}):\n{log.read_text()[-3000:]}"
            )
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the local stack did not answer {url} in {seconds} s:\n{log.read_text()[-3000:]}")


def cli_env(url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMGCLS_")}
    env.update({"COLUMNS": "200", **extra})
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
