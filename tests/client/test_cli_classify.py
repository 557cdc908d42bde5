"""`imgcls classify` against the local stack: a folder of mixed files, each the cheapest way."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from cli_stack import BUCKET, imgcls
from images import mixed_folder


def test_a_mixed_folder(local_stack, tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    files = mixed_folder(folder)
    assert len(files["scans/large.png"]) > 4_500_000
    table = tmp_path / "out.csv"
    result = imgcls("classify", str(folder), "--json", "--csv", str(table), url=local_stack.url)

    assert result.returncode == 1, result.stderr  # the text file failed, the others went on
    lines = {
        Path(line["file"]).relative_to(folder).as_posix(): line
        for line in map(json.loads, result.stdout.splitlines())
    }
    assert set(lines) == set(files)
    for name in ("cat.jpg", "coffee.png", "phone/IMG_0001.HEIC", "scans/large.png"):
        assert lines[name]["status"] == "succeeded", lines[name]
        assert len(lines[name]["predictions"]) == 5
        assert lines[name]["cache"] in ("hit", "miss")
    assert lines["notes.txt"]["status"] == "failed"
    assert lines["notes.txt"]["error"]["code"] == "unsupported_image_format"
    # Small files share a batch request; the large one went through S3, byte for byte.
    assert lines["cat.jpg"]["route"] == "batch"
    assert lines["scans/large.png"]["route"] == "uploads"
    s3 = local_stack.client("s3")
    stored = [
        s3.get_object(Bucket=BUCKET, Key=k)["Body"].read() for k in local_stack.uploaded_keys()
    ]
    assert files["scans/large.png"] in stored
    assert "notes.txt: unsupported_image_format" in result.stderr
    assert "RANDOM WEIGHTS" in result.stderr  # the test model's warning, loudly

    rows = list(csv.DictReader(table.open()))
    assert len(rows) == len(files)
    by_name = {Path(r["file"]).name: r for r in rows}
    assert by_name["notes.txt"]["error_code"] == "unsupported_image_format"
    assert by_name["cat.jpg"]["class_1"] == lines["cat.jpg"]["predictions"][0]["class"]


def test_the_table_and_the_cache_column(local_stack, tmp_path: Path) -> None:
    folder = tmp_path / "again"
    mixed_folder(folder)
    (folder / "notes.txt").unlink()
    first = imgcls("classify", str(folder / "cat.jpg"), url=local_stack.url)
    heic = imgcls("classify", str(folder / "phone"), "--top-k", "3", "--json", url=local_stack.url)
    assert heic.returncode == 0, heic.stderr
    assert len(json.loads(heic.stdout)["predictions"]) == 3
    second = imgcls("classify", str(folder / "cat.jpg"), "--json", url=local_stack.url)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "cat.jpg" in first.stdout
    assert "top classes" in first.stdout
    assert json.loads(second.stdout)["cache"] == "hit"  # the x-cache header of /classify
