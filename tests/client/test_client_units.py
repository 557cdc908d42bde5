"""The client's pure parts: backoff, Retry-After, batching, bucket names, the state journal."""

from __future__ import annotations

from pathlib import Path

import pytest
from imgcls.classify import MAX_BATCH_IMAGES, plan
from imgcls.state import Journal
from imgcls.transport import MAX_DELAY, parse_retry_after, retry_delay
from imgcls.uploads import bucket_of


@pytest.mark.parametrize("attempt", [0, 1, 2, 3, 10])
def test_backoff_doubles_with_jitter_and_a_ceiling(attempt: int) -> None:
    ceiling = min(MAX_DELAY, 0.5 * 2**attempt)
    delays = {retry_delay(attempt, None, 0.5) for _ in range(50)}
    assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert len(delays) > 1  # jittered


def test_retry_after_is_a_floor() -> None:
    assert retry_delay(0, 7.0, 0.5) == 7.0
    assert retry_delay(0, 3600.0, 0.5) == 60.0  # docs/cli.md: a floor, up to 60 s
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") <= 0.0 + 1e-9


def test_plan_batches_small_files_and_sends_a_large_one_alone(tmp_path: Path) -> None:
    sizes = [5] * (MAX_BATCH_IMAGES + 2) + [500, 60, 60]
    files = []
    for i, size in enumerate(sizes):
        files.append(tmp_path / f"{i:02d}")
        files[-1].write_bytes(b"x" * size)
    groups = [[p.name for p in g] for g in plan(files, 100)]
    # 16 images at most, 100 bytes at most; 500 bytes is over the limit: alone, for /uploads.
    assert groups == [[f.name for f in files[:16]], ["18"], ["16", "17", "19"], ["20"]]


@pytest.mark.parametrize(
    ("url", "bucket"),
    [
        ("https://my-images.s3.amazonaws.com/", "my-images"),
        ("https://my-images.s3.eu-west-1.amazonaws.com/", "my-images"),
        ("http://127.0.0.1:5001/local-images", "local-images"),
    ],
)
def test_the_bucket_of_a_presigned_post(url: str, bucket: str) -> None:
    assert bucket_of(url) == bucket


def test_a_torn_last_line_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.state"
    path.write_text('{"event": "start", "run": "r"}\n{"event": "uploaded", "fi')
    journal = Journal(path)
    journal.append({"event": "job", "index": 0, "job_id": "j"})
    journal.close()
    assert [e["event"] for e in Journal(path).events] == ["start", "job"]
