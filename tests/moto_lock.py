"""moto in one process is not thread-safe; the worker calls AWS from several threads.

moto's DynamoDB deep-copies every table at the start of TransactWriteItems (to roll back), so
a PutItem from another thread at that moment fails it with "dictionary changed size during
iteration". DynamoDB itself has no such limit. serialize_moto() makes moto answer one request
at a time, as a service in a region would appear to a single client; the threads still
overlap everything else (decoding, the model, waiting).
"""

from __future__ import annotations

import threading
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber

_lock = threading.RLock()
_original = BotocoreStubber.process_request


def _serialized(self: BotocoreStubber, request: Any) -> Any:
    with _lock:
        return _original(self, request)


def serialize_moto() -> None:
    BotocoreStubber.process_request = _serialized  # type: ignore[method-assign]
