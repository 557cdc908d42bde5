"""`imgcls bulk`: a folder uploaded and classified by jobs, or an S3 prefix in one job.

Resumable through the journal beside --out (state.py): an upload recorded there is never
sent again, and a job is submitted with the Idempotency-Key its chunk was given the first
time, so a rerun after any interruption continues where the last one stopped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from imgcls import jobs, results
from imgcls.console import job_progress, say
from imgcls.errors import ApiError, CliError, ConfigError
from imgcls.files import collect
from imgcls.state import Journal, state_path
from imgcls.transport import Api
from imgcls.upload_all import upload_all


def run(
    api: Api, source: str, out: Path, csv_path: Path | None, top_k: int, parallel: int, poll: float
) -> int:
    journal = Journal(state_path(out))
    try:
        is_prefix = source.startswith("s3://")
        origin = source if is_prefix else str(Path(source).resolve())
        start = journal.start() or journal.append(
            {"event": "start", "source": origin, "top_k": top_k, "run": uuid.uuid4().hex}
        )
        if start["source"] != origin or start["top_k"] != top_k:
            raise ConfigError(
                f"{journal.path} records a run of {start['source']} with --top-k "
                f"{start['top_k']}: use another --out, or delete that file to start over"
            )
        names: dict[str, dict[str, Any]] = {}
        failed_uploads: list[dict[str, Any]] = []
        if is_prefix:
            chunks = prefix_chunk(journal, source, top_k)
        else:
            files = collect([source])
            if not files:
                raise ConfigError(f"{source}: no files to classify")
            failed_uploads = upload_all(api, Path(source), files, journal, parallel)
            chunks = key_chunks(journal, top_k)
            names = {e["key"]: e for e in journal.uploads().values()}
        answers = submit_and_wait(api, journal, chunks, poll, is_prefix)
        lines = joined(api, answers, names, failed_uploads, source, out)
        failed = results.write(lines, out, csv_path, top_k)
        total = sum(a["total"] or 0 for a in answers) + len(failed_uploads)
        return results.report(failed, total, out)
    finally:
        journal.close()


def prefix_chunk(journal: Journal, source: str, top_k: int) -> list[dict[str, Any]]:
    bucket, _, prefix = source.removeprefix("s3://").partition("/")
    if not bucket:
        raise ConfigError(f"'{source}': name a bucket, as in s3://bucket/prefix/")
    if not journal.chunks():
        body = {"s3_prefix": prefix, "bucket": bucket, "top_k": top_k}
        journal.append(
            {"event": "chunk", "index": 0, "idempotency_key": _idem(journal, 0), "body": body}
        )
    return journal.chunks()


def key_chunks(journal: Journal, top_k: int) -> list[dict[str, Any]]:
    """Every uploaded key in exactly one chunk of at most MAX_JOB_IMAGES, recorded before it
    is submitted; chunks recorded by an earlier run are kept as they were."""
    chunks = journal.chunks()
    chunked = {key for chunk in chunks for key in chunk["body"]["s3_keys"]}
    uploads = sorted(journal.uploads().items())  # in file order, as the results will be
    fresh = [e["key"] for _, e in uploads if e["key"] not in chunked]
    for start in range(0, len(fresh), jobs.MAX_JOB_IMAGES):
        index = len(chunks)
        body = {"s3_keys": fresh[start : start + jobs.MAX_JOB_IMAGES], "top_k": top_k}
        chunks.append(
            journal.append(
                {
                    "event": "chunk",
                    "index": index,
                    "idempotency_key": _idem(journal, index),
                    "body": body,
                }
            )
        )
    return chunks


def submit_and_wait(
    api: Api, journal: Journal, chunks: list[dict[str, Any]], poll: float, is_prefix: bool
) -> list[dict[str, Any]]:
    job_ids = journal.job_ids()
    for chunk in chunks:
        if chunk["index"] in job_ids:
            continue
        try:
            job_id = jobs.submit(api, chunk["body"], chunk["idempotency_key"])
        except ApiError as exc:
            if is_prefix and 400 <= exc.status < 500:
                raise CliError(
                    f"the API refused the prefix job ({exc}); S3-prefix jobs need an API "
                    "that takes POST /jobs with s3_prefix"
                ) from None
            raise
        journal.append({"event": "job", "index": chunk["index"], "job_id": job_id})
        job_ids[chunk["index"]] = job_id
    say(f"jobs: {', '.join(job_ids[c['index']] for c in chunks)}")
    with job_progress() as progress:
        return jobs.wait(api, [job_ids[c["index"]] for c in chunks], poll, progress)


def joined(
    api: Api,
    answers: list[dict[str, Any]],
    names: dict[str, dict[str, Any]],
    failed_uploads: list[dict[str, Any]],
    source: str,
    out: Path,
) -> Iterator[dict[str, Any]]:
    """The jobs' lines with each uploaded key's local file name, then the failed uploads."""
    default_bucket = (
        source.removeprefix("s3://").partition("/")[0]
        if source.startswith("s3://")
        else next((e.get("bucket") for e in names.values()), None)
    )
    for answer in answers:
        scratch = out.with_name(f"{out.name}.{answer['job_id']}.export")
        for line in jobs.result_lines(api, answer, default_bucket, scratch):
            uploaded = names.get(line.get("s3_key", ""))
            yield {**line, "file": uploaded["file"]} if uploaded else line
    yield from failed_uploads


def _idem(journal: Journal, index: int) -> str:
    start = journal.start()
    assert start is not None
    return f"imgcls-{start['run']}-{index}"
