"""`make venv` takes torch from PyTorch's CPU-only index when it answers, and falls back fast."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "torch_index.py"


def choose(url: str, timeout: float = 2.0) -> tuple[str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), url, str(timeout)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip(), time.monotonic() - started


@contextmanager
def index_server(status: int) -> Iterator[str]:
    class Index(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(status if self.path == "/whl/cpu/torch/" else 404)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/whl/cpu"
    finally:
        server.shutdown()
        server.server_close()


def test_a_reachable_index_is_chosen() -> None:
    with index_server(200) as url:
        assert choose(url)[0] == url


def test_an_index_without_torch_is_not() -> None:
    with index_server(404) as url:
        assert choose(url)[0] == ""


def test_a_closed_port_falls_back_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    chosen, seconds = choose(f"http://127.0.0.1:{port}/whl/cpu")
    assert chosen == ""
    assert seconds < 2


def test_a_silent_server_falls_back_within_the_timeout() -> None:
    """A firewall that accepts and never answers must cost the timeout, not minutes."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the backlog; nothing ever replies
        chosen, seconds = choose(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=1.0)
    assert chosen == ""
    assert seconds < 3


def test_an_empty_url_means_the_default_index() -> None:
    assert choose("")[0] == ""


@pytest.mark.parametrize("url", ["https://download.pytorch.org/whl/cpu", "http://mirror/cpu"])
def test_make_venv_installs_the_pinned_torch_from_the_chosen_index_first(url: str) -> None:
    result = subprocess.run(
        ["make", "-n", "-B", "venv", "VENV=/nonexistent/venv", f"TORCH_INDEX_URL={url}"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    recipe = result.stdout
    assert f'scripts/torch_index.py "{url}"' in recipe
    pins = (REPO / "requirements.txt").read_text().splitlines()
    pins += (REPO / "requirements-dev.txt").read_text().splitlines()
    torch_pins = " ".join(p for p in pins if p.startswith(("torch==", "torchvision==")))
    assert f'--index-url "$index" {torch_pins}' in recipe
    assert recipe.index("--index-url") < recipe.index("-r requirements-dev.txt")
