"""bulk's first phase: every file of the folder uploaded once, in parallel, with a progress bar.

Ctrl+C stops new uploads and lets those in flight finish and be recorded, so that none of
them is sent again by the next run. A second Ctrl+C stops at once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from imgcls.console import say, upload_progress
from imgcls.errors import INTERRUPTED, ApiError, CliError
from imgcls.state import Journal
from imgcls.transport import Api
from imgcls.uploads import upload


class Interrupted(CliError):
    exit_code = INTERRUPTED


def upload_all(
    api: Api, folder: Path, files: list[Path], journal: Journal, parallel: int
) -> list[dict[str, Any]]:
    """Upload what the journal does not already hold; return a line for each failed file."""
    done = journal.uploads()
    named = [(path, path.relative_to(folder).as_posix(), path.stat()) for path in files]
    todo = [
        (path, name, stat.st_size, stat.st_mtime_ns)
        for path, name, stat in named
        if not _unchanged(done.get(name), stat.st_size, stat.st_mtime_ns)
    ]
    waiting = {name for _, name, _, _ in todo}
    failed: list[dict[str, Any]] = []
    lock = threading.Lock()
    counted = [len(files) - len(todo)]
    progress = upload_progress()
    task = progress.add_task(
        "",
        total=sum(stat.st_size for _, _, stat in named),
        completed=sum(stat.st_size for _, name, stat in named if name not in waiting),
        files=f"{counted[0]}/{len(files)}",
    )
    if counted[0]:
        say(f"resuming: {counted[0]} of {len(files)} files were uploaded by an earlier run")

    # Set by the first 501: uploads already queued in the pool start nothing after it, however
    # late the main thread gets to cancel them.
    refused = threading.Event()

    def one(path: Path, name: str, size: int, mtime_ns: int) -> None:
        if refused.is_set():
            return
        data = path.read_bytes()
        try:
            uploaded = upload(api, path, data)
        except ApiError as exc:
            if exc.status == 501:  # s3_not_configured: no upload can succeed, stop here
                refused.set()
                raise
            with lock:
                failed.append(
                    {
                        "file": name,
                        "bucket": None,
                        "s3_key": None,
                        "status": "failed",
                        "error": exc.as_dict(),
                    }
                )
        else:
            journal.append(
                {
                    "event": "uploaded",
                    "file": name,
                    "size": size,
                    "mtime_ns": mtime_ns,
                    "key": uploaded.key,
                    "bucket": uploaded.bucket,
                }
            )
        with lock:
            counted[0] += 1
            progress.update(task, advance=size, files=f"{counted[0]}/{len(files)}")

    pool = ThreadPoolExecutor(parallel)
    try:
        with progress:
            for future in as_completed([pool.submit(one, *item) for item in todo]):
                future.result()
    except KeyboardInterrupt:
        say("interrupted: finishing the uploads in flight (Ctrl+C again to stop at once)")
        pool.shutdown(wait=True, cancel_futures=True)
        raise Interrupted(
            f"interrupted: {len(journal.uploads())} of {len(files)} files uploaded; run the "
            f"same command again to continue (state in {journal.path})"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return failed


def _unchanged(event: dict[str, Any] | None, size: int, mtime_ns: int) -> bool:
    return event is not None and event["size"] == size and event["mtime_ns"] == mtime_ns
