"""LABELS: a text file (one class per line) or a JSON list, checked against the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelbuild.errors import ExportError
from modelbuild.labels import MAX_CLASSES, read_labels


def write(tmp_path: Path, content: str | bytes, name: str = "labels.txt") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content",
    [
        "café\nœuf  \n果物\n\n\n",  # trailing blank lines and spaces are not classes
        "\ufeffcafé\r\nœuf\r\n果物",  # a byte-order mark and Windows line ends
        json.dumps(["café", "œuf", "果物"], ensure_ascii=False),
        json.dumps(["café", "œuf", "果物"]),  # \u escapes
    ],
)
def test_text_and_json_forms(tmp_path, content) -> None:
    assert read_labels(write(tmp_path, content), 3) == ["café", "œuf", "果物"]


@pytest.mark.parametrize(
    ("content", "classes", "message"),
    [
        ("a\nb\nc\n", 4, "has 3 classes, but the checkpoint's final layer .* has 4 outputs"),
        ("only\n", 1, "has 1 classes; between 2 and 10,000"),
        ("a\n\nb\n", 3, r"empty labels at index \[1\]"),
        ("a\nb\na\n", 3, "'a' is both class 0 and class 2"),
        ('["a", 2]', 2, "JSON list of strings"),
        ('["a", "b"', 2, "starts like a JSON list but is not JSON"),
        ("a\n" + "x" * 201, 2, "exceed 200 characters"),
    ],
)
def test_refusals(tmp_path, content, classes, message) -> None:
    with pytest.raises(ExportError, match=message):
        read_labels(write(tmp_path, content), classes)


def test_too_many_classes(tmp_path) -> None:
    content = "\n".join(f"class {i}" for i in range(MAX_CLASSES + 1))
    with pytest.raises(ExportError, match="has 10001 classes"):
        read_labels(write(tmp_path, content), MAX_CLASSES + 1)


def test_ten_thousand_classes_are_fine(tmp_path) -> None:
    content = "\n".join(f"class {i}" for i in range(MAX_CLASSES))
    assert len(read_labels(write(tmp_path, content), MAX_CLASSES)) == MAX_CLASSES


def test_not_utf8(tmp_path) -> None:
    with pytest.raises(ExportError, match="is not UTF-8 text"):
        read_labels(write(tmp_path, "café\nthé\n".encode("latin-1")), 2)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(ExportError, match="is not a file"):
        read_labels(tmp_path / "nope.txt", 2)


def test_count_unknown_for_random_weights(tmp_path) -> None:
    assert read_labels(write(tmp_path, "a\nb\nc\n"), None) == ["a", "b", "c"]
