"""The local stack, started once for the CLI tests (tests/client/cli_stack.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_stack import REPO, LocalStack, free_port, wait_for


@pytest.fixture(scope="session")
def local_stack(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    api_port, moto_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("local-stack") / "stack.log"
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
        wait_for(f"http://127.0.0.1:{api_port}/health", stack, log, 120)
        yield LocalStack(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{moto_port}")
    finally:
        # SIGINT to the stack's own process group: local_aws.py then stops its worker and moto.
        os.killpg(stack.pid, signal.SIGINT)
        try:
            stack.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()
