"""The state file beside --out: an append-only journal of what a bulk run has done.

One JSON object per line, flushed as each upload or submission completes, so that a run
stopped at any moment (Ctrl+C, a network drop, a closed laptop) loses at most the line it
was writing; that torn line is cut off when the journal is next opened.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any


def state_path(out: Path) -> Path:
    return out.with_name(out.name + ".state")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[dict[str, Any]] = []
        if path.exists():
            text = path.read_bytes()
            whole = text[: text.rfind(b"\n") + 1]
            if len(whole) != len(text):
                with path.open("r+b") as torn:
                    torn.truncate(len(whole))
            self.events = [json.loads(line) for line in whole.splitlines() if line.strip()]
        self.lock = threading.Lock()
        self.handle = path.open("a", encoding="utf-8")

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        event = {**event, "at": round(time.time(), 3)}  # when: for the measurements only
        with self.lock:
            self.handle.write(json.dumps(event, ensure_ascii=False) + "\n")
            self.handle.flush()
            self.events.append(event)
        return event

    def close(self) -> None:
        with self.lock:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()

    def start(self) -> dict[str, Any] | None:
        return next((e for e in self.events if e["event"] == "start"), None)

    def uploads(self) -> dict[str, dict[str, Any]]:
        """The latest upload of each local file, by its path relative to the folder."""
        return {e["file"]: e for e in self.events if e["event"] == "uploaded"}

    def chunks(self) -> list[dict[str, Any]]:
        return sorted((e for e in self.events if e["event"] == "chunk"), key=lambda e: e["index"])

    def job_ids(self) -> dict[int, str]:
        return {e["index"]: e["job_id"] for e in self.events if e["event"] == "job"}
