"""Jobs: submit one, follow its counts, then read its results (the export, or page by page)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.progress import Progress

from imgcls.errors import ConfigError
from imgcls.transport import Api

MAX_JOB_IMAGES = 1000  # POST /jobs takes at most this many s3_keys


def submit(api: Api, body: dict[str, Any], idempotency_key: str) -> str:
    """The same Idempotency-Key and body always name the same job, however often sent."""
    headers = {"Idempotency-Key": idempotency_key}
    answer = api.call("POST", "/jobs", json=body, headers=headers).json()
    return str(answer["job_id"])


def checked_id(job_id: str) -> str:
    """The API's job ids are UUIDs; anything else would end up in the URL's path."""
    try:
        return str(uuid.UUID(job_id))
    except ValueError:
        raise ConfigError(f"'{job_id}' is not a job id (a UUID, as POST /jobs gives)") from None


def status(api: Api, job_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = api.call("GET", f"/jobs/{job_id}").json()
    return answer


def wait(api: Api, job_ids: list[str], poll: float, progress: Progress) -> list[dict[str, Any]]:
    """Poll until every job is done; the bar's total is unknown while a prefix is listed."""
    task = progress.add_task("classifying", total=None, failed=0)
    answers: dict[str, dict[str, Any]] = {}
    while True:
        for job_id in job_ids:
            if answers.get(job_id, {}).get("status") != "done":
                answers[job_id] = status(api, job_id)
        found = list(answers.values())
        totals = [a.get("total") for a in found]
        progress.update(
            task,
            total=None if None in totals else sum(t or 0 for t in totals),
            completed=sum(a["succeeded"] + a["failed"] for a in found),
            failed=sum(a["failed"] for a in found),
        )
        if all(a["status"] == "done" for a in found):
            return [answers[j] for j in job_ids]
        time.sleep(poll)


def result_lines(
    api: Api, answer: dict[str, Any], bucket: str | None, scratch: Path
) -> Iterator[dict[str, Any]]:
    """One {"bucket", "s3_key", "status", "predictions"|"error"} per image of a done job."""
    export = answer.get("export") or {}
    if export.get("jsonl"):
        api.download(export["jsonl"], scratch)
        try:
            with scratch.open(encoding="utf-8") as lines:
                yield from (json.loads(line) for line in lines if line.strip())
        finally:
            scratch.unlink(missing_ok=True)
        return
    page = answer
    while True:
        for entry in page["results"]:
            yield {"bucket": bucket, **entry}
        token = page.get("next_token")
        if not token:
            return
        page = api.call("GET", f"/jobs/{answer['job_id']}", params={"next_token": token}).json()
