"""The Lambda filesystem is read-only except /tmp: the service must never write elsewhere.

No root-proof read-only mount is possible here, so a Python audit hook records every file
opened for writing (and every directory made) while the handler loads, warms up and serves
uploads, including one big enough for Starlette to spool to a temporary file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, os, sys, tempfile
writes = []

def audit(event, args):
    if event == "open" and args[0] is not None and not isinstance(args[0], int):
        mode, flags = args[1], args[2]
        writing = (mode and any(c in mode for c in "wax+")) or (
            flags and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writing:
            writes.append(os.fsdecode(args[0]))
    elif event in ("os.mkdir", "os.rename", "os.remove"):
        writes.append(os.fsdecode(args[0]))

sys.addaudithook(audit)
import base64
from function.handler import handler
sys.path.insert(0, "tests")
from make_events import BOUNDARY, multipart, rest_event
from photos import encode, photo

big = encode(photo("retina").resize((3200, 3200)), "JPEG", quality=98)  # over 1 MB: spooled
statuses = []
for data in (big, b"not an image"):
    body = multipart("image", "x.jpg", "image/jpeg", data)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    context = type("Context", (), {"aws_request_id": "r", "function_name": "f",
        "memory_limit_in_mb": 3008, "invoked_function_arn": "arn", "function_version": "1"})()
    statuses.append(handler(rest_event("POST", "/classify", headers, body), context)["statusCode"])
print(json.dumps({"writes": writes, "statuses": statuses, "big": len(big),
                  "tmp": tempfile.gettempdir()}))
"""


def test_nothing_is_written_outside_tmp(model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200, 415]
    assert report["big"] > 1024 * 1024
    allowed = (report["tmp"], "/dev/null")
    outside = [path for path in report["writes"] if not path.startswith(allowed)]
    assert outside == [], outside
    # Control: the hook does see writes, here Starlette spooling the big upload to /tmp.
    assert [path for path in report["writes"] if path.startswith(report["tmp"])]
