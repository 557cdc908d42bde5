"""`imgcls classify`: each image the cheapest way that works.

Small images go in batches of up to 16 (one request, one model call) or alone to /classify;
an image over the server's MaxImageBytes goes through /uploads and is classified by key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imgcls.errors import ApiError
from imgcls.transport import Api
from imgcls.uploads import upload

MAX_BATCH_IMAGES = 16  # POST /classify/batch's limit
DEFAULT_MAX_IMAGE_BYTES = 4_500_000  # the server's default, when /health does not say


@dataclass
class Outcome:
    file: str
    predictions: list[dict[str, Any]] | None = None
    cache: str | None = None
    error: dict[str, str] | None = None
    route: str = field(default="classify", compare=False)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"file": self.file, "route": self.route}
        if self.error is None:
            found.update(status="succeeded", predictions=self.predictions, cache=self.cache)
        else:
            found.update(status="failed", error=self.error)
        return found


def plan(files: list[Path], limit: int) -> Iterator[list[Path]]:
    """Groups of files whose bytes together fit one request body; a large file alone."""
    group: list[Path] = []
    size = 0
    for path in files:
        length = path.stat().st_size
        if length > limit:
            yield [path]
            continue
        if group and (len(group) == MAX_BATCH_IMAGES or size + length > limit):
            yield group
            group, size = [], 0
        group.append(path)
        size += length
    if group:
        yield group


def classify_all(
    api: Api, files: list[Path], limit: int, top_k: int, parallel: int, done: Callable[[int], None]
) -> list[Outcome]:
    def run(group: list[Path]) -> list[Outcome]:
        one = len(group) == 1
        found = [single(api, group[0], limit, top_k)] if one else batch(api, group, limit, top_k)
        done(len(group))
        return found

    pool = ThreadPoolExecutor(parallel)
    try:
        outcomes = [o for found in pool.map(run, list(plan(files, limit))) for o in found]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # on Ctrl+C, send nothing more
    order = {str(path): i for i, path in enumerate(files)}
    return sorted(outcomes, key=lambda o: order[o.file])  # the order the files were given


def single(api: Api, path: Path, limit: int, top_k: int) -> Outcome:
    data = path.read_bytes()
    params = {"top_k": top_k}
    try:
        if len(data) <= limit:
            try:
                files = {"image": (path.name, data, "application/octet-stream")}
                response = api.call("POST", "/classify", params=params, files=files)
                return _answered(path, response.json(), response.headers.get("x-cache"))
            except ApiError as exc:
                # http_413: API Gateway's own refusal of a body, before the function sees it.
                if exc.code not in ("payload_too_large", "http_413"):
                    raise
                # The server's limit is lower than /health said (or than our default).
        key = upload(api, path, data).key
        response = api.call("POST", "/classify", params=params, json={"s3_key": key})
        return _answered(path, response.json(), response.headers.get("x-cache"), "uploads")
    except ApiError as exc:
        route = "uploads" if len(data) > limit else "classify"
        return Outcome(str(path), error=exc.as_dict(), route=route)


def batch(api: Api, group: list[Path], limit: int, top_k: int) -> list[Outcome]:
    files = [("images", (p.name, p.read_bytes(), "application/octet-stream")) for p in group]
    try:
        response = api.call("POST", "/classify/batch", params={"top_k": top_k}, files=files)
    except ApiError:
        # A server without batches, or a tighter limit: each file on its own says why.
        return [single(api, p, limit, top_k) for p in group]
    outcomes = []
    for path, entry in zip(group, response.json()["results"], strict=True):
        outcome = Outcome(str(path), entry.get("predictions"), entry.get("cache"), route="batch")
        outcome.error = entry.get("error")
        outcomes.append(outcome)
    return outcomes


def _answered(
    path: Path, body: dict[str, Any], cache: str | None, route: str = "classify"
) -> Outcome:
    return Outcome(str(path), body["predictions"], cache, route=route)
