"""The try-it page in a real browser: Debian's chromium driven by Playwright, against the app
under uvicorn on a free port (and moto's server as S3, as `make run AWS=local` does).

Playwright's own browser download cannot reach its server here, so the tests launch the
system chromium. Without it they skip on a developer's machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from local_servers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
# CHROMIUM_PATH only for the test that proves a missing browser fails in CI.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MOTO_BUCKET = "try-it-images"


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Server:
    url: str  # ends with "/", like the stack's ApiUrl output
    s3_endpoint: str | None = None
    bucket: str | None = None


def start_app(model_dir: Path, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "MODEL_DIR": str(model_dir),
        "CACHE_SIZE": "64",  # the second look at the same image is a cache hit
        "TORCH_CPP_LOG_LEVEL": "ERROR",
        **extra_env,
    }
    command = [sys.executable, "-m", "uvicorn", "function.handler:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    wait_for(url + "health", process)
    return process, url


@pytest.fixture(scope="session")
def app_server(model_dir: Path) -> Iterator[Server]:
    """The app as `make run` serves it: no S3."""
    process, url = start_app(model_dir, {"IMAGES_BUCKET": ""})
    yield Server(url)
    stop(process)


@pytest.fixture(scope="session")
def s3_app_server(model_dir: Path) -> Iterator[Server]:
    """The app with moto's server as S3 on another port: the presigned POST crosses origins."""
    import boto3

    endpoint = f"http://127.0.0.1:{free_port()}"
    aws_env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    port = endpoint.rsplit(":", 1)[1]
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", port],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    app = None
    try:
        wait_for(f"{endpoint}/moto-api/", moto)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        s3.create_bucket(Bucket=MOTO_BUCKET)
        app, url = start_app(model_dir, {**aws_env, "IMAGES_BUCKET": MOTO_BUCKET})
        yield Server(url, endpoint, MOTO_BUCKET)
    finally:
        if app is not None:
            stop(app)
        stop(moto)


# Module scope: while Playwright's sync API is open, this thread looks as if an asyncio loop
# were running in it, and Mangum's handler (in the tests that follow) refuses to start one.
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    """A fresh tab (its own session storage) that records console errors and every request."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.console_errors = []
    tab.requested = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.on("request", lambda request: tab.requested.append(request.url))
    yield tab
    context.close()
