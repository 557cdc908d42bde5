"""Measure `imgcls bulk` against the local stack (docs/cli.md): the upload rate for 500 local
images, and the time a run interrupted halfway takes to resume. Not a test; run it with
`PYTHONPATH=tests:tests/client:scripts .venv/bin/python tests/client/measure_bulk.py`."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cli_stack import IMGCLS, cli_env
from local_stack import running_stack
from photos import photo

os.environ["ENV_FILE"] = ""
IMAGES = int(os.environ.get("IMAGES", "500"))


def photos(root: Path, count: int) -> int:
    """Distinct 640x480 JPEGs of a real photograph, about 50 KB each, as a phone's thumbnails."""
    base, size = photo("astronaut").resize((640, 480)), 0
    for i in range(count):
        buffer = io.BytesIO()
        base.rotate(i * 360 / count).save(buffer, "JPEG", quality=85)
        path = root / f"{i // 100:02d}" / f"img_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
        size += len(buffer.getvalue())
    return size


def journal(state: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in state.read_text().splitlines() if line.endswith("}")]


def bulk(url: str, folder: Path, out: Path, stop_after: int | None = None) -> float:
    args = [str(IMGCLS), "bulk", str(folder), "--out", str(out), "--poll", "0.5"]
    started = time.time()
    run = subprocess.Popen(
        args, env=cli_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    state = out.with_name(out.name + ".state")
    while stop_after is not None and run.poll() is None:
        if state.exists() and sum(e["event"] == "uploaded" for e in journal(state)) >= stop_after:
            run.send_signal(signal.SIGINT)
            break
        time.sleep(0.01)
    run.wait()
    return started


def main() -> None:
    from modelbuild.export import default_backend, export

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        export(root / "model", "random", default_backend(), None, seed=0)
        total_bytes = photos(root / "album", IMAGES)
        with running_stack(root / "model", root / "stack.log") as stack:
            out = root / "full.jsonl"
            started = bulk(stack.url, root / "album", out)
            ended = time.time()
            uploads = [
                e["at"] for e in journal(root / "full.jsonl.state") if e["event"] == "uploaded"
            ]
            upload_seconds = max(uploads) - started
            results = {
                "images": IMAGES,
                "mb": round(total_bytes / 1e6, 1),
                "upload_seconds": round(upload_seconds, 2),
                "images_per_second": round(IMAGES / upload_seconds, 1),
                "mb_per_second": round(total_bytes / 1e6 / upload_seconds, 1),
                "whole_run_seconds": round(ended - started, 1),
            }
            out = root / "resumed.jsonl"
            bulk(stack.url, root / "album", out, stop_after=IMAGES // 2)
            done_before = sum(
                e["event"] == "uploaded" for e in journal(root / "resumed.jsonl.state")
            )
            started = bulk(stack.url, root / "album", out)
            events = journal(root / "resumed.jsonl.state")
            new = [e["at"] for e in events if e["event"] == "uploaded" and e["at"] > started]
            results["interrupted_after_uploads"] = done_before
            results["resume_to_first_new_upload_seconds"] = round(min(new) - started, 2)
            results["resume_uploads_seconds"] = round(max(new) - started, 2)
            results["resumed_run_seconds"] = round(time.time() - started, 1)
            started = bulk(stack.url, root / "album", out)
            results["rerun_of_finished_run_seconds"] = round(time.time() - started, 1)
            print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
