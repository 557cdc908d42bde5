"""`imgcls bulk` against the local stack: interrupted halfway through its uploads, then run
again; uploads and jobs are counted on the server side (moto's bucket, the jobs table)."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from cli_stack import BUCKET, IMGCLS, cli_env, imgcls, one_line_error
from images import many_jpegs

IMAGES = 24


def events(state: Path, kind: str) -> list[dict[str, Any]]:
    if not state.exists():
        return []
    lines = state.read_text().splitlines()
    return [
        e for e in (json.loads(line) for line in lines if line.endswith("}")) if e["event"] == kind
    ]


def interrupt_halfway(args: list[str], url: str, state: Path, total: int) -> str:
    """Ctrl+C once the state file records half the uploads."""
    run = subprocess.Popen(
        [str(IMGCLS), *args],
        env=cli_env(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while len(events(state, "uploaded")) < total // 2:
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    return stderr


def test_bulk_interrupted_then_resumed_uploads_and_submits_nothing_twice(
    local_stack, tmp_path: Path
) -> None:
    folder = tmp_path / "album"
    names = sorted(p.relative_to(folder).as_posix() for p in many_jpegs(folder, IMAGES))
    (folder / "readme.txt").write_text("not an image\n")
    names.append("readme.txt")
    out, table = tmp_path / "results.jsonl", tmp_path / "results.csv"
    state = tmp_path / "results.jsonl.state"
    args = [
        "bulk",
        str(folder),
        "--out",
        str(out),
        "--csv",
        str(table),
        "--parallel",
        "2",
        "--poll",
        "0.3",
    ]
    earlier_uploads, earlier_jobs = set(local_stack.uploaded_keys()), local_stack.job_ids()

    stderr = interrupt_halfway(args, local_stack.url, state, len(names))
    assert "run the same command again" in stderr
    received = set(local_stack.uploaded_keys()) - earlier_uploads
    recorded = {e["key"] for e in events(state, "uploaded")}
    assert received == recorded  # every upload S3 got is recorded, so none is sent again
    assert len(names) // 2 <= len(recorded) < len(names)
    assert not out.exists()
    assert local_stack.job_ids() == earlier_jobs

    resumed = imgcls(*args, url=local_stack.url)
    assert resumed.returncode == 1, resumed.stderr  # readme.txt failed, listed
    assert f"resuming: {len(recorded)} of {len(names)} files" in resumed.stderr
    assert "failed: readme.txt: unsupported_image_format" in resumed.stderr
    uploads = set(local_stack.uploaded_keys()) - earlier_uploads
    assert len(uploads) == len(names)  # one upload per file, over both runs
    assert recorded <= uploads
    jobs = local_stack.job_ids() - earlier_jobs
    assert len(jobs) == 1

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["file"] for line in lines) == names
    assert {line["s3_key"] for line in lines} == uploads
    assert {line["bucket"] for line in lines} == {BUCKET}
    by_file = {line["file"]: line for line in lines}
    assert by_file["readme.txt"]["status"] == "failed"
    assert by_file["readme.txt"]["error"]["code"] == "unsupported_image_format"
    assert all(len(by_file[n]["predictions"]) == 5 for n in names if n != "readme.txt")
    rows = list(csv.DictReader(table.open()))
    assert [r["file"] for r in rows] == [line["file"] for line in lines]

    # A crash after POST /jobs and before its answer was recorded: the rerun sends the same
    # Idempotency-Key, and the API answers with the same job.
    kept = [line for line in state.read_text().splitlines() if '"event": "job"' not in line]
    state.write_text("\n".join(kept) + "\n")
    again = imgcls(*args, url=local_stack.url)
    assert again.returncode == 1, again.stderr
    assert local_stack.job_ids() - earlier_jobs == jobs
    assert set(local_stack.uploaded_keys()) - earlier_uploads == uploads
    assert sorted(json.loads(line)["file"] for line in out.read_text().splitlines()) == names


def test_a_state_file_from_another_run_is_refused(local_stack, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    first, second = tmp_path / "a", tmp_path / "b"
    many_jpegs(first, 1), many_jpegs(second, 1)
    assert (
        imgcls(
            "bulk", str(first), "--out", str(out), "--poll", "0.2", url=local_stack.url
        ).returncode
        == 0
    )
    result = imgcls("bulk", str(second), "--out", str(out), url=local_stack.url)
    assert result.returncode == 2
    assert "use another --out" in one_line_error(result)


def test_an_s3_prefix_is_one_prefix_job_with_nothing_uploaded(local_stack, tmp_path: Path) -> None:
    """s3://bucket/prefix: no upload, one prefix job, the export downloaded; a text file under
    the prefix is a failed line, and nothing outside the prefix appears."""
    s3 = local_stack.client("s3")
    photos = many_jpegs(tmp_path / "photos", 3)
    for path in photos:
        s3.put_object(Bucket=BUCKET, Key=f"archive/{path.name}", Body=path.read_bytes())
    s3.put_object(Bucket=BUCKET, Key='archive/notes, "v2".txt', Body=b"not an image")
    s3.put_object(Bucket=BUCKET, Key="archived-elsewhere.jpg", Body=photos[0].read_bytes())
    uploads_before, jobs_before = set(local_stack.uploaded_keys()), local_stack.job_ids()
    out, csv = tmp_path / "r.jsonl", tmp_path / "r.csv"
    args = ["bulk", f"s3://{BUCKET}/archive/", "--out", str(out), "--csv", str(csv)]
    result = imgcls(*args, "--poll", "0.2", url=local_stack.url)
    assert result.returncode == 1, result.stderr  # the text file failed
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(line["s3_key"] for line in lines) == sorted(
        [f"archive/{path.name}" for path in photos] + ['archive/notes, "v2".txt']
    )
    statuses = {line["s3_key"]: line["status"] for line in lines}
    assert statuses.pop('archive/notes, "v2".txt') == "failed"
    assert set(statuses.values()) == {"succeeded"}
    assert len(csv.read_text().splitlines()) == 1 + len(lines)  # a header, then one row each
    assert set(local_stack.uploaded_keys()) == uploads_before  # nothing uploaded
    assert len(local_stack.job_ids() - jobs_before) == 1
