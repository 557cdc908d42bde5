"""Writing a bulk run's results: JSON lines to --out, the same rows to --csv, atomically."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from imgcls.console import say
from imgcls.output import ResultCsv

SHOWN_FAILURES = 20


@contextlib.contextmanager
def replaced(path: Path | None) -> Iterator[IO[str] | None]:
    """A file written beside its final name and renamed into place only when complete: an
    interrupted run never leaves half a results file that looks whole. "-" is stdout."""
    if path is None:
        yield None
        return
    if str(path) == "-":
        yield sys.stdout
        return
    part = path.with_name(path.name + ".part")
    with part.open("w", encoding="utf-8", newline="") as stream:
        yield stream
    os.replace(part, path)


def write(
    lines: Iterable[dict[str, Any]], out: Path, csv_path: Path | None, top_k: int
) -> list[dict[str, Any]]:
    """Write every line; return the failed ones."""
    failed = []
    with replaced(out) as jsonl, replaced(csv_path) as csv_stream:
        assert jsonl is not None
        table = ResultCsv(csv_stream, top_k) if csv_stream is not None else None
        for line in lines:
            jsonl.write(json.dumps(line, ensure_ascii=False) + "\n")
            if table is not None:
                table.write(line)
            if line["status"] != "succeeded":
                failed.append(line)
    return failed


def report(failed: list[dict[str, Any]], total: int, out: Path) -> int:
    for line in failed[:SHOWN_FAILURES]:
        where = line.get("file") or f"s3://{line.get('bucket') or '?'}/{line.get('s3_key')}"
        error = line.get("error") or {}
        say(f"failed: {where}: {error.get('code', line['status'])} {error.get('message', '')}")
    if len(failed) > SHOWN_FAILURES:
        say(f"... and {len(failed) - SHOWN_FAILURES} more failed (see {out})")
    say(f"{total - len(failed)} succeeded, {len(failed)} failed; results in {out}")
    return 1 if failed else 0
