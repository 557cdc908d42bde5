"""One image's outcome, as the worker records it and the API shows it.

A job's outcomes are recorded by chunk, exactly once (function/jobs/ledger.py); a dropped
object's by function/jobs/drop_results.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Outcome:
    """One image's result: the top-k predictions (as the API shows them) or an error."""

    predictions: list[dict[str, Any]] | None = None
    error_code: str | None = None
    error_message: str | None = None

    def attributes(self) -> dict[str, Any]:
        if self.predictions is not None:
            return {"predictions": {"S": json.dumps(self.predictions)}}
        return {"error_code": {"S": self.error_code}, "error_message": {"S": self.error_message}}
