"""Tracing on, as deployed with Tracing=true: the handler's X-Ray subsegments, for real.

A fresh interpreter imports function.handler with Lambda's environment and an X-Ray trace
header; the X-Ray SDK then sends its subsegments over UDP to AWS_XRAY_DAEMON_ADDRESS,
which here is a socket this test reads.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRACE_ID = "1-5759e988-bd862e3fe1be46a994272793"

PROBE = """
import json, sys, types
import function.handler as entry
from function.shared.observability import tracer
context = types.SimpleNamespace(
    function_name="ClassifierFunction", function_version="$LATEST", invoked_function_arn="arn",
    memory_limit_in_mb=3008, aws_request_id="lambda-request", log_group_name="g",
    log_stream_name="s", get_remaining_time_in_millis=lambda: 20_000,
)
assert tracer is not None
event = json.loads(open(sys.argv[1]).read())
print(json.dumps([entry.handler(event, context)["statusCode"] for _ in range(2)]))
"""


def received(sock: socket.socket) -> list[dict]:
    documents = []
    while True:
        try:
            datagram = sock.recv(65535).decode()
        except TimeoutError:
            return documents
        header, _, body = datagram.partition("\n")
        assert json.loads(header) == {"format": "json", "version": 1}
        documents.append(json.loads(body))


def test_handler_traces_each_invocation_with_the_shared_cold_start(model_dir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2)
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "MODEL_DIR": str(model_dir),
            # The same photo twice: without this the second is a cache hit, with no stages.
            "CACHE_SIZE": "0",
            "AWS_LAMBDA_FUNCTION_NAME": "ClassifierFunction",
            "LAMBDA_TASK_ROOT": str(REPO),
            "POWERTOOLS_TRACE_DISABLED": "false",
            "_X_AMZN_TRACE_ID": f"Root={TRACE_ID};Parent=53995c3f42cd8ad8;Sampled=1",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{sock.getsockname()[1]}",
        }
        event = REPO / "events" / "classify-rest-raw-jpeg.json"
        result = subprocess.run(
            [sys.executable, "-c", PROBE, str(event)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        documents = received(sock)
    log_lines = [json.loads(line) for line in result.stdout.splitlines() if '"level"' in line]
    assert json.loads(result.stdout.splitlines()[-1]) == [200, 200]
    handlers = [d for d in documents if d["name"] == "## handler"]
    assert [h["annotations"]["ColdStart"] for h in handlers] == [True, False]
    assert all(h["annotations"]["Service"] == "image-classifier" for h in handlers)
    assert all(d["trace_id"] == TRACE_ID for d in documents)
    stages = [d["name"] for d in documents if d["name"] != "## handler"]
    assert stages == ["## decode", "## preprocess", "## inference"] * 2
    # Logs and X-Ray report the same cold start: one tracker.
    summaries = [line for line in log_lines if line["message"] == "request"]
    assert [s["cold_start"] for s in summaries] == [True, False]
    assert {s["function_request_id"] for s in summaries} == {"lambda-request"}
