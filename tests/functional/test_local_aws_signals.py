"""`make run AWS=local` stops everything it started on SIGTERM and SIGHUP, as on Ctrl+C
(issue 18, item 13): `timeout`, an IDE's stop button, `kill <pid>` or a closed terminal
signal only the parent, scripts/local_aws.py, which must stop moto, the worker and uvicorn
and free their ports. The real script runs here, on free ports other than 8000 and 5001."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 240  # two model loads on a shared 2-core machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def answers(port: int) -> bool:
    with socket.socket() as client:
        client.settimeout(1)
        return client.connect_ex(("127.0.0.1", port)) == 0


def wait_for_health(api_port: int, stack: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert stack.poll() is None, f"local_aws.py exited early with {stack.returncode}"
        url = f"http://127.0.0.1:{api_port}/health"
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2):
            return
        time.sleep(0.5)
    pytest.fail(f"the API did not answer on port {api_port} in {STARTUP_SECONDS} s")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_to_the_parent_stops_every_child_and_frees_the_ports(model_dir, signum):
    api_port, moto_port = free_port(), free_port()
    env = {**os.environ, "MODEL_DIR": str(model_dir), "MOTO_PORT": str(moto_port)}
    command = [sys.executable, str(REPO / "scripts" / "local_aws.py"), "--"]
    command += [sys.executable, "-m", "uvicorn", "function.handler:app"]
    command += ["--host", "127.0.0.1", "--port", str(api_port), "--no-access-log"]
    # A session of its own: the signal reaches only the parent, as from `kill <pid>`, and
    # the cleanup below can reach whatever the parent failed to stop.
    stack = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_health(api_port, stack)
        assert answers(moto_port)
        children = children_of(stack.pid)
        assert len(children) == 3  # moto, the worker, uvicorn
        stack.send_signal(signum)
        exit_code = stack.wait(timeout=30)
        leftovers = [pid for pid in children if alive(pid)]
        assert leftovers == [], f"still running after {signum.name}: {leftovers}"
        assert exit_code == 128 + signum
        assert not answers(api_port)
        assert not answers(moto_port)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stack.pid, signal.SIGKILL)
        stack.wait(timeout=10)
