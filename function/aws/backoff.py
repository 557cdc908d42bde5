"""Jittered exponential back-off for the retries botocore does not make itself.

botocore retries a throttled call, but not a transaction that DynamoDB cancelled because
another transaction touched the same item (TransactionConflict): left to SQS, every conflict
would cost a visibility timeout and a receive. "Full jitter" spreads colliding writers apart.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

BASE_SECONDS = 0.05
CAP_SECONDS = 2.0

# Cancellation reasons and error codes that mean "try again", not "this request is wrong".
TRANSIENT_CODES = frozenset(
    {
        "TransactionConflict",
        "TransactionConflictException",
        "TransactionInProgressException",
        "ThrottlingError",
        "ThrottlingException",
        "ProvisionedThroughputExceeded",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "SlowDown",
        "ServiceUnavailable",
    }
)


def pauses(attempts: int, sleep: Callable[[float], None] | None = None) -> Iterator[int]:
    """Yield 0..attempts-1, sleeping a jittered, growing pause before every try but the first."""
    for attempt in range(attempts):
        if attempt:
            pause = random.uniform(0, min(CAP_SECONDS, BASE_SECONDS * 2**attempt))
            (sleep or time.sleep)(pause)
        yield attempt


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError, else None."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None
