"""GET /jobs/{job_id}'s pages: at most 100 results, and never more bytes than Lambda can return.

Lambda refuses a response over 6 MB, counted after the body is encoded once more as a JSON
string inside the proxy response (quotes escaped, non-ASCII as \\uXXXX). A result carries up
to top_k predictions, so 100 results at top_k = 1000 would be about 8 MB: a page ends where
its results reach PAGE_BUDGET_BYTES, measured in that encoding, and the next_token says where
the next page starts. A page holds at least one result; one result is at most top_k
predictions and a 1024-byte key, far below the budget.
"""

from __future__ import annotations

import base64
import binascii
import json

from function.api.schemas.jobs import JobEntry
from function.shared import errors

# The results of one page; the rest of the response (counts, warning) is under 2 KB.
PAGE_BUDGET_BYTES = 4_000_000
_TOKEN_PREFIX = "at:"


def fit_page(entries: list[JobEntry], budget: int = PAGE_BUDGET_BYTES) -> list[JobEntry]:
    """The longest prefix of entries (at least one) whose encoded size fits the budget."""
    used = 0
    for count, entry in enumerate(entries):
        used += wrapped_size(entry.model_dump_json(by_alias=True, exclude_none=True)) + 1
        if used > budget and count:
            return entries[:count]
    return entries


def wrapped_size(text: str) -> int:
    """Bytes of text once it is a JSON string in Lambda's response: the worst case of both."""
    return len(json.dumps(text))


def token_for(index: int) -> str:
    return base64.urlsafe_b64encode(f"{_TOKEN_PREFIX}{index}".encode()).decode().rstrip("=")


def index_of(token: str | None, total: int) -> int:
    """The index of the first result of the page a next_token names (0 without one)."""
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        index = int(text.removeprefix(_TOKEN_PREFIX)) if text.startswith(_TOKEN_PREFIX) else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        index = -1
    if not 0 < index < total:
        raise errors.InvalidNextToken()
    return index
