"""A tiny scripted HTTP server in a thread: canned answers per path, and a log of requests.

Stands in for the API where the local stack cannot: transient failures on demand, API
Gateway's 403 for a wrong key, and job answers with an `export` (issue 19's server).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]


def json_answer(status: int, body: Any, **headers: str) -> Answer:
    return status, {"content-type": "application/json", **headers}, json.dumps(body).encode()


@dataclass
class Script:
    """path -> answers given in turn; the last one repeats."""

    answers: dict[str, list[Answer]]
    seen: list[tuple[str, str, float, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def next_for(self, path: str) -> Answer:
        queue = self.answers.get(path.split("?")[0])
        if not queue:
            return json_answer(404, {"error": {"code": "not_found", "message": path}})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def requests_to(self, path: str) -> list[float]:
        return [when for _, seen_path, when, _ in self.seen if seen_path.split("?")[0] == path]


@contextmanager
def serving(script: Script) -> Iterator[Script]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            script.seen.append((self.command, self.path, time.monotonic(), dict(self.headers)))
            status, headers, body = script.next_for(self.path)
            self.send_response(status)
            for name, value in {**headers, "content-length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    script.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
