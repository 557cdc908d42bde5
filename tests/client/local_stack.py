"""The local stack the CLI tests run against, started on free ports as `make run AWS=local`
starts it (scripts/local_aws.py: moto's server, the bucket, table and queue, the worker, and
the API under uvicorn)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_servers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
BUCKET, TABLE = "local-images", "local-results"  # scripts/local_aws.py's names


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


@contextmanager
def running_stack(model_dir: Path, log: Path) -> Iterator[LocalStack]:
    api_port, moto_port = free_port(), free_port()
    env = {
        **os.environ,
        "MODEL_DIR": str(model_dir),
        "MOTO_PORT": str(moto_port),
        "TORCH_CPP_LOG_LEVEL": "ERROR",
        "WORKER_BATCH_SIZE": "10",
        # Set by other tests in this session (tests/conftest.py turns the cache off); the
        # stack is a user's, with its default cache.
        "CACHE_SIZE": "1024",
    }
    command = [
        sys.executable,
        "scripts/local_aws.py",
        "--",
        sys.executable,
        "-m",
        "uvicorn",
        "function.handler:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(api_port),
        "--no-access-log",
    ]
    with log.open("wb") as sink:
        stack = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=sink, stderr=sink, start_new_session=True
        )
    try:
        wait_for(f"http://127.0.0.1:{api_port}/health", stack, 120, log)
        yield LocalStack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{moto_port}")
    finally:
        # SIGINT to the stack's own process group: local_aws.py then stops its worker and moto.
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
