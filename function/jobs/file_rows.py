"""One export line per image, in JSONL and in CSV (RFC 4180: CRLF, quotes doubled).

JSONL: {"bucket", "s3_key", "status": "succeeded", "predictions": [{"class", "index",
"probability"}, ...]} or {"bucket", "s3_key", "status": "failed", "error": {"code", "message"}}.
CSV: bucket,s3_key,status,class_1,probability_1,...,class_k,probability_k,error_code.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from function.jobs.chunk_record import Entry


def jsonl_line(bucket: str, entry: Entry) -> str:
    line: dict[str, Any] = {"bucket": bucket, "s3_key": entry.s3_key}
    outcome = entry.outcome
    if outcome.predictions is not None:
        line |= {"status": "succeeded", "predictions": outcome.predictions}
    else:
        error = {"code": outcome.error_code, "message": outcome.error_message}
        line |= {"status": "failed", "error": error}
    return json.dumps(line, ensure_ascii=False) + "\n"


def csv_header(top_k: int) -> str:
    columns = ["bucket", "s3_key", "status"]
    for rank in range(1, top_k + 1):
        columns += [f"class_{rank}", f"probability_{rank}"]
    return _csv([*columns, "error_code"])


def csv_row(bucket: str, entry: Entry, top_k: int) -> str:
    outcome = entry.outcome
    cells: list[Any] = [bucket, entry.s3_key]
    if outcome.predictions is not None:
        cells.append("succeeded")
        for prediction in outcome.predictions:
            cells += [prediction["class"], repr(float(prediction["probability"]))]
        cells += [""] * (2 * (top_k - len(outcome.predictions)))
        return _csv([*cells, ""])
    return _csv([*cells, "failed", *[""] * (2 * top_k), outcome.error_code])


def _csv(cells: list[Any]) -> str:
    out = io.StringIO()
    # QUOTE_MINIMAL quotes exactly the cells with commas, quotes or line breaks (RFC 4180).
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
