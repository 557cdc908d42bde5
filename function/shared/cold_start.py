"""The one place that tracks cold start, for log lines, metrics and X-Ray alike."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_served_a_request = False
# A request's answer, so that the Lambda handler (X-Ray) and the middleware (logs, metrics)
# agree on it, whichever asks first.
_request_cold_start: ContextVar[bool | None] = ContextVar("request_cold_start", default=None)


def _take_process_flag() -> bool:
    global _served_a_request
    # Provisioned concurrency initialises an environment before any request arrives, so its
    # first request is not a cold start (the rule Powertools applies too).
    provisioned = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency"
    answer = not _served_a_request and not provisioned
    _served_a_request = True
    return answer


@contextmanager
def request_cold_start() -> Iterator[bool]:
    """Whether the current request is the first this process serves: True once per process.

    Nested calls within one request (handler, then middleware) get the same answer.
    """
    answer = _request_cold_start.get()
    if answer is not None:
        yield answer
        return
    answer = _take_process_flag()
    token = _request_cold_start.set(answer)
    try:
        yield answer
    finally:
        _request_cold_start.reset(token)


def reset_for_tests() -> None:
    """Make the next request a cold start again, as a fresh process would see it."""
    global _served_a_request
    _served_a_request = False
