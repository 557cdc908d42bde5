"""`imgcls jobs`: the export when a done job has one (issue 19's server), pages otherwise."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_stack import imgcls, one_line_error
from images import many_jpegs
from tiny_server import Script, json_answer, serving

JOB = "5b1d3c52-7a8e-4f43-9d1e-0c6f1c1c2a10"
CAT = [{"class": "tabby", "index": 281, "probability": 0.9}]
FAILED = {"code": "unsupported_image_format", "message": "not an image"}


def job(status: str, **fields: object) -> dict[str, object]:
    answer = {
        "job_id": JOB,
        "status": status,
        "total": 2,
        "succeeded": 1,
        "failed": 1,
        "results": [],
        "production_ready": True,
        "warning": None,
    }
    return {**answer, **fields}


def test_export_downloads_the_jobs_export(tmp_path: Path) -> None:
    lines = [
        {"bucket": "archive", "s3_key": 'a,"b".jpg', "status": "succeeded", "predictions": CAT},
        {"bucket": "archive", "s3_key": "c.txt", "status": "failed", "error": FAILED},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    script = Script(
        {
            f"/jobs/{JOB}": [
                json_answer(200, job("listing", total=None, succeeded=0, failed=0)),
                json_answer(200, job("running")),
                json_answer(200, job("done")),
            ],
            "/exports/job.jsonl": [(200, {"content-type": "application/x-ndjson"}, body)],
        }
    )
    with serving(script):
        script.answers[f"/jobs/{JOB}"][-1] = json_answer(
            200,
            job(
                "done",
                export={
                    "jsonl": f"{script.url}/exports/job.jsonl",
                    "csv": f"{script.url}/exports/job.csv",
                    "expires_in": 900,
                },
            ),
        )
        out, table = tmp_path / "r.jsonl", tmp_path / "r.csv"
        result = imgcls(
            "jobs",
            "export",
            JOB,
            "--out",
            str(out),
            "--csv",
            str(table),
            "--poll",
            "0.05",
            url=script.url,
            IMGCLS_API_KEY="k" * 20,
        )
    assert result.returncode == 1, result.stderr  # one image failed
    assert [json.loads(line) for line in out.read_text().splitlines()] == lines
    rows = list(csv.DictReader(table.open()))
    assert [r["s3_key"] for r in rows] == ['a,"b".jpg', "c.txt"]
    assert rows[1]["error_code"] == "unsupported_image_format"
    # The presigned export URL gets no API key; the API does.
    keys = {path: headers.get("x-api-key") for _, path, _, headers in script.seen}
    assert keys["/exports/job.jsonl"] is None
    assert keys[f"/jobs/{JOB}"] == "k" * 20


def test_export_pages_the_results_without_an_export(tmp_path: Path) -> None:
    first = job(
        "done",
        results=[{"s3_key": "uploads/a", "status": "succeeded", "predictions": CAT}],
        next_token="cGFnZTox",
    )
    second = job("done", results=[{"s3_key": "uploads/b", "status": "failed", "error": FAILED}])
    with serving(
        Script({f"/jobs/{JOB}": [json_answer(200, first), json_answer(200, second)]})
    ) as script:
        out = tmp_path / "r.jsonl"
        result = imgcls("jobs", "export", JOB, "--out", str(out), url=script.url)
    assert result.returncode == 1, result.stderr
    got = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(g["s3_key"], g["status"]) for g in got] == [
        ("uploads/a", "succeeded"),
        ("uploads/b", "failed"),
    ]
    assert [p for _, p, _, _ in script.seen] == [f"/jobs/{JOB}", f"/jobs/{JOB}?next_token=cGFnZTox"]


def test_status_and_wait(tmp_path: Path) -> None:
    answers = [
        json_answer(200, job("running")),
        json_answer(200, job("done", failed=0, succeeded=2)),
    ]
    with serving(Script({f"/jobs/{JOB}": answers})) as script:
        status = imgcls("jobs", "status", JOB, url=script.url)
        waited = imgcls("jobs", "wait", JOB, "--poll", "0.05", url=script.url)
    assert status.returncode == 0
    assert f"{JOB}: running, 1 succeeded, 1 failed of 2" in status.stdout
    assert waited.returncode == 0, waited.stderr
    assert "done, 2 succeeded, 0 failed" in waited.stdout


def test_bulk_stops_at_once_on_an_api_without_a_bucket(tmp_path: Path) -> None:
    """`make run` without AWS=local: POST /uploads answers 501; one line, no more uploads."""
    many_jpegs(tmp_path / "album", 5)
    refused = {
        "error": {"code": "s3_not_configured", "message": "set IMAGES_BUCKET", "request_id": "r"}
    }
    with serving(Script({"/uploads": [json_answer(501, refused)]})) as script:
        result = imgcls(
            "bulk",
            str(tmp_path / "album"),
            "--out",
            str(tmp_path / "r.jsonl"),
            "--parallel",
            "1",
            url=script.url,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1] == "imgcls: 501 s3_not_configured: set IMAGES_BUCKET"
    assert len(script.requests_to("/uploads")) <= 2  # the one refused, and one already started


@pytest.mark.parametrize("action", ["status", "wait", "export"])
@pytest.mark.parametrize("job_id", ["../health", "..", "not-a-job"])
def test_a_job_id_that_is_not_one_is_a_usage_error(action: str, job_id: str) -> None:
    """A job id goes into the URL's path: '../health' would read /health as a job."""
    card = json_answer(200, {"model": {}, "limits": {}})
    page = (200, {"content-type": "text/html"}, b"<html>the try-it page</html>")
    with serving(Script({"/health": [card], "/": [page]})) as script:
        result = imgcls("jobs", action, job_id, url=script.url)
    assert result.returncode == 2
    assert "is not a job id" in one_line_error(result)
    assert script.seen == []
