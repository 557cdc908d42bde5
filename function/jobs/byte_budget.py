"""How many bytes of read-but-not-yet-decoded objects a worker holds at once.

An SQS batch of ten objects of MaxUploadBytes (up to 200 MB each) would be 2 GB if read all at
once, more than a 1024 MB worker has. Reads take their object's size (from HEAD) out of the
budget before the GET and give it back once the bytes are decoded into a model input, so at
most `limit` bytes wait in memory; one object always fits, whatever its size.
"""

from __future__ import annotations

import threading
import time

from function.shared.settings import Settings

# Of the worker's memory, the share that read objects may take; the rest is for the Python
# runtime, torch and the model (about 500 MB), decoding and the tensors.
MEMORY_SHARE = 4
MB = 1024 * 1024


class OutOfTime(Exception):
    """The invocation must end before its time-out: this item's message is delivered again."""


def budget_bytes(settings: Settings, memory_mb: int) -> int:
    """At least one object of the largest size allowed, else a quarter of the memory."""
    return max(settings.max_upload_bytes, memory_mb * MB // MEMORY_SHARE)


class ByteBudget:
    def __init__(self, limit: int, deadline: float) -> None:
        self.limit = limit
        self.deadline = deadline  # time.monotonic() by which waiting must give up
        self.used = 0
        self.peak = 0
        self._changed = threading.Condition()

    def acquire(self, size: int) -> None:
        """Wait until `size` more bytes fit (always, when nothing is held); OutOfTime after
        the deadline."""
        with self._changed:
            while self.used and self.used + size > self.limit:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    raise OutOfTime()
                self._changed.wait(left)
            self.used += size
            self.peak = max(self.peak, self.used)

    def release(self, size: int) -> None:
        with self._changed:
            self.used -= size
            self._changed.notify_all()
