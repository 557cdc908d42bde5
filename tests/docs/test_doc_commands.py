"""Every shell command in the README and the docs runs here, or is marked as needing AWS.

Unmarked blocks run with bash, as written, against the local stack that `make run AWS=local`
starts (moto's server, the API under uvicorn, the worker loop), in a folder that holds the
files the examples name. Each must exit 0, and the API must answer none of its requests with
a 5xx. `<!-- dry run -->` blocks (make test, make bench, …) are checked with `make -n`, their
test paths and local distributions must exist; `<!-- needs AWS -->` blocks must really need it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from doc_blocks import REPO, Block, all_blocks
from heic_samples import heic_photo
from local_servers import free_port, wait_for
from photos import photo_bytes
from PIL import Image

BLOCKS = all_blocks()
LOCAL_URL = re.compile(r"http://(127\.0\.0\.1|localhost):8000")
NEEDS_AWS = re.compile(r"(^|[\s;&|(])(aws|sam|docker)\s|\$\{?API_URL|https://|--stack ")


@pytest.fixture(scope="module")
def local_stack(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    port, log = free_port(), tmp_path_factory.mktemp("stack") / "server.log"
    env = {**os.environ, "MODEL_DIR": str(model_dir), "MOTO_PORT": str(free_port())}
    env.pop("POWERTOOLS_DEV", None)  # one JSON line per log record, read below
    command = [sys.executable, "scripts/local_aws.py", "--", sys.executable, "-m", "uvicorn"]
    command += ["function.handler:app", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        # A session of its own: the stack's children (moto, uvicorn, the worker) stop with it.
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/health", server, log=log)
        yield {"url": url, "log": log}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout's view (its top-level entries linked) plus the files the examples name:
    photos, a folder of them, a HEIC, a phone-sized photo over 4.5 MB and a text file."""
    folder = tmp_path_factory.mktemp("examples")
    for entry in REPO.iterdir():
        if entry.name != ".git":
            (folder / entry.name).symlink_to(entry)
    for name in ("cat.jpg", "test.jpg"):
        (folder / name).write_bytes(photo_bytes("chelsea"))
    noise = np.random.default_rng(0).integers(0, 256, (1800, 2400, 3), dtype=np.uint8)
    Image.fromarray(noise).save(folder / "big-photo.jpg", quality=95)
    assert (folder / "big-photo.jpg").stat().st_size > 4_500_000
    (folder / "notes.txt").write_text("not an image\n")
    (folder / "photos").mkdir()
    for name in ("coffee", "rocket"):
        (folder / "photos" / f"{name}.jpg").write_bytes(photo_bytes(name))
    (folder / "big.heic").write_bytes(heic_photo("astronaut"))
    return folder


def _server_errors(log: Path, start: int) -> list[dict]:
    """Request log lines from byte offset start on whose status is a 5xx."""
    with log.open() as read:
        read.seek(start)
        records = [json.loads(line) for line in read if line.startswith("{")]
    return [r for r in records if r.get("message") == "request" and r.get("status", 0) >= 500]


RUN = [block for block in BLOCKS if block.marker is None]


@pytest.mark.parametrize("block", RUN, ids=[block.name for block in RUN])
def test_block_runs_against_the_local_stack(block: Block, local_stack: dict, workdir: Path):
    script = LOCAL_URL.sub(local_stack["url"], block.text)
    start = local_stack["log"].stat().st_size
    env = {
        **os.environ,
        "API": local_stack["url"],
        "IMGCLS_API_URL": local_stack["url"],
        "PATH": f"{REPO / '.venv/bin'}:{os.environ['PATH']}",
    }
    result = _run_bash(script, workdir, env)
    assert result.returncode == 0, f"{block.name} failed:\n{result.stdout}\n{result.stderr}"
    time.sleep(0.2)  # the request log line is written as the response ends
    assert _server_errors(local_stack["log"], start) == []


def _run_bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """bash -euo pipefail in a session of its own, so that a time-out kills all it started."""
    shell = subprocess.Popen(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = shell.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(shell.pid, signal.SIGKILL)
        out, err = shell.communicate()
        return subprocess.CompletedProcess(shell.args, -9, out, err + "\n(timed out: 120 s)")
    return subprocess.CompletedProcess(shell.args, shell.returncode, out, err)


DRY = [block for block in BLOCKS if block.marker == "dry run"]


@pytest.mark.parametrize("block", DRY, ids=[block.name for block in DRY])
def test_dry_run_block_names_real_targets_and_tests(block: Block):
    for command in block.commands():
        words = [w for w in shlex.split(command, comments=True) if not re.match(r"^\w+=", w)]
        if words[0] == "make":
            dry = subprocess.run(
                ["make", "-n", *words[1:]], cwd=REPO, capture_output=True, text=True
            )
            assert dry.returncode == 0, f"{block.name}: {command}\n{dry.stderr}"
        elif words[:3] == [".venv/bin/python", "-m", "pytest"]:
            paths = [w for w in words[3:] if not w.startswith("-")]
            assert paths, command
            assert all((REPO / p.split("::")[0]).exists() for p in paths), command
        elif words[:2] == ["pip", "install"]:
            _check_local_distributions(words[2:], command)
        else:
            pytest.fail(f"{block.name}: a dry-run block holds make, pytest and pip: {command}")


def _check_local_distributions(requirements: list[str], command: str) -> None:
    """`pip install ./client[extra]`: the folder is a distribution that declares the extra."""
    for requirement in requirements:
        path, _, extras = requirement.partition("[")
        project = (REPO / path / "pyproject.toml").read_text()
        assert "[project]" in project, command
        for extra in filter(None, extras.rstrip("]").split(",")):
            assert f"\n{extra} = [" in project, f"{command}: no extra {extra!r}"


AWS = [block for block in BLOCKS if block.marker == "needs AWS"]


@pytest.mark.parametrize("block", AWS, ids=[block.name for block in AWS])
def test_needs_aws_marker_is_honest(block: Block):
    assert NEEDS_AWS.search(block.text), f"{block.name} runs locally: remove its marker"


def test_the_docs_show_commands():
    assert len(RUN) >= 3
    assert len(DRY) >= 2
    assert len(AWS) >= 2
