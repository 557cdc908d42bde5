"""Results as a table, as JSON lines, or as CSV (RFC 4180 quoting: names hold commas)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from rich.table import Table
from rich.text import Text

from imgcls.classify import Outcome
from imgcls.console import out

TABLE_CLASSES = 3


def table(outcomes: list[Outcome]) -> None:
    grid = Table("file", "top classes", "cache", "error")
    for o in outcomes:
        classes = ", ".join(
            f"{p['class']} {p['probability']:.1%}" for p in (o.predictions or [])[:TABLE_CLASSES]
        )
        error = Text(o.error["code"], style="red") if o.error else ""
        # Text, not markup: file and class names hold brackets ("scan [2].jpg").
        grid.add_row(Text(o.file), Text(classes), Text(o.cache or ""), error)
    out.print(grid)


def jsonl(outcomes: Iterable[Outcome], stream: IO[str]) -> None:
    for o in outcomes:
        stream.write(json.dumps(o.as_dict(), ensure_ascii=False) + "\n")


def prediction_columns(top_k: int) -> list[str]:
    return [name for i in range(1, top_k + 1) for name in (f"class_{i}", f"probability_{i}")]


def prediction_cells(predictions: list[dict[str, Any]] | None, top_k: int) -> list[Any]:
    cells: list[Any] = []
    for p in (predictions or [])[:top_k]:
        cells += [p["class"], p["probability"]]
    return cells + [""] * (2 * top_k - len(cells))


def classify_csv(outcomes: list[Outcome], stream: IO[str], top_k: int) -> None:
    writer = csv.writer(stream)
    writer.writerow(["file", "status", *prediction_columns(top_k), "cache", "error_code"])
    for o in outcomes:
        status = "failed" if o.error else "succeeded"
        cells = prediction_cells(o.predictions, top_k)
        writer.writerow([o.file, status, *cells, o.cache or "", o.error["code"] if o.error else ""])


class ResultCsv:
    """bulk's CSV: the export's columns (issue 19), plus the local file name."""

    def __init__(self, stream: IO[str], top_k: int) -> None:
        self.writer, self.top_k = csv.writer(stream), top_k
        columns = prediction_columns(top_k)
        self.writer.writerow(["bucket", "s3_key", "file", "status", *columns, "error_code"])

    def write(self, line: dict[str, Any]) -> None:
        error = line.get("error") or {}
        self.writer.writerow(
            [
                line.get("bucket") or "",
                line.get("s3_key") or "",
                line.get("file") or "",
                line["status"],
                *prediction_cells(line.get("predictions"), self.top_k),
                error.get("code", ""),
            ]
        )
