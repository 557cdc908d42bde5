"""A stand-in for Lambda's Invoke API on 127.0.0.1: each call runs the real API handler.

boto3's lambda client, pointed here (endpoint_url or AWS_ENDPOINT_URL), sends
POST /2015-03-31/functions/{FunctionName}/invocations with the event as the body; the
answer is the handler's return value, as Lambda returns it. Which model the handler uses
is the test's choice (`serve`), through the app's current_model dependency.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from lambda_context import make_lambda_context

from function.api.dependencies import current_model
from function.inference.classifier import Classifier

INVOKE_PREFIX = "/2015-03-31/functions/"


@dataclass
class FakeLambda:
    url: str
    invoked: list[str] = field(default_factory=list)  # FunctionName of every call


@contextmanager
def fake_lambda(handler_module: Any, model: Classifier) -> Iterator[FakeLambda]:
    async def serve() -> Classifier:
        return model

    handler_module.app.dependency_overrides[current_model] = serve
    calls: list[str] = []

    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            if not (path.startswith(INVOKE_PREFIX) and path.endswith("/invocations")):
                self.send_error(404)
                return
            calls.append(unquote(path[len(INVOKE_PREFIX) : -len("/invocations")]))
            event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            # Mangum needs an event loop in this thread, as Lambda's runtime has in its own.
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                answer = handler_module.handler(event, make_lambda_context())
            finally:
                asyncio.set_event_loop(None)
                loop.close()
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("X-Amz-Executed-Version", calls[-1].rsplit(":", 1)[-1])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FakeLambda(f"http://127.0.0.1:{server.server_address[1]}", calls)
    finally:
        server.shutdown()
        server.server_close()
        handler_module.app.dependency_overrides.pop(current_model, None)
