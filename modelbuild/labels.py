"""Class names for a custom model: a text file (one per line) or a JSON list of strings."""

from __future__ import annotations

import json
from pathlib import Path

from modelbuild.errors import ExportError

MIN_CLASSES = 2
MAX_CLASSES = 10_000
MAX_LABEL_LENGTH = 200


def read_labels(path: Path, num_classes: int | None) -> list[str]:
    """The labels, in class-index order; their count must equal the model's classes (when
    known: random weights take their class count from the labels)."""
    if not path.is_file():
        raise ExportError(f"LABELS={path} is not a file.")
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(
            f"LABELS={path} is not UTF-8 text ({exc.reason} at byte {exc.start})."
        ) from None
    labels = _parse_json(text, path) if text.lstrip().startswith("[") else _parse_lines(text)
    _check(labels, path, num_classes)
    return labels


def _parse_json(text: str, path: Path) -> list[str]:
    try:
        labels = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(
            f"LABELS={path} starts like a JSON list but is not JSON: {exc}."
        ) from None
    if not all(isinstance(label, str) for label in labels):
        raise ExportError(f"LABELS={path} must be a JSON list of strings.")
    return [label.strip() for label in labels]


def _parse_lines(text: str) -> list[str]:
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:  # a trailing newline or two is not a class
        lines.pop()
    return lines


def _check(labels: list[str], path: Path, num_classes: int | None) -> None:
    if not MIN_CLASSES <= len(labels) <= MAX_CLASSES:
        raise ExportError(
            f"LABELS={path} has {len(labels)} classes; between {MIN_CLASSES} and "
            f"{MAX_CLASSES:,} are supported."
        )
    if num_classes is not None and len(labels) != num_classes:
        raise ExportError(
            f"LABELS={path} has {len(labels)} classes, but the checkpoint's final layer "
            f"(fc.weight) has {num_classes} outputs. Give one label per output, in index order."
        )
    blank = [index for index, label in enumerate(labels) if not label]
    if blank:
        raise ExportError(f"LABELS={path} has empty labels at index {blank[:10]}.")
    too_long = [index for index, label in enumerate(labels) if len(label) > MAX_LABEL_LENGTH]
    if too_long:
        raise ExportError(
            f"LABELS={path}: labels at index {too_long[:10]} exceed {MAX_LABEL_LENGTH} characters."
        )
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        if label in seen:
            raise ExportError(
                f"LABELS={path}: {label!r} is both class {seen[label]} and class {index}."
            )
        seen[label] = index
