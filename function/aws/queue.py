"""The jobs queue in SQS: send many messages, up to ten (and 256 KiB) per SendMessageBatch."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from function.aws.clients import client, failure_kind

SQS_BATCH_ENTRIES = 10
# A batch's bodies together (SQS refuses a longer batch whole): listed chunks of long
# non-ASCII keys reach about 31 KB each, so ten of them may not fit one call.
SQS_BATCH_BYTES = 256 * 1024
# SendMessageBatch may refuse some entries and accept the rest (HTTP 200 all the same); those
# are sent again this often, after a jittered, doubling pause, before the request fails.
RESEND_ATTEMPTS = 3
FIRST_PAUSE_SECONDS = 0.1
# All the pauses of one request together: API Gateway stops waiting after 29 s.
PAUSE_BUDGET_SECONDS = 3.0


class MessagesNotSent(Exception):
    """Some messages are not queued. `sent` were; `transient` says whether a retry may help."""

    def __init__(self, message: str, sent: int, transient: bool) -> None:
        super().__init__(message)
        self.sent = sent
        self.transient = transient


@dataclass(frozen=True)
class WorkQueue:
    url: str

    def send_all(self, bodies: list[str]) -> None:
        """Send every body, or raise MessagesNotSent saying how many were sent.

        Sending the same body twice is harmless: the worker records each (job, image) once.
        """
        sent, pauses = 0, _Pauses(PAUSE_BUDGET_SECONDS)
        for batch in _batches(bodies):
            try:
                unsent = self._send_batch(batch, pauses)
            except Exception as exc:
                if failure_kind(exc) is None:
                    raise
                raise MessagesNotSent(f"SQS failed: {exc!r}", sent, transient=True) from exc
            if unsent:
                raise MessagesNotSent(
                    unsent.message, sent + len(batch) - unsent.count, unsent.transient
                )
            sent += len(batch)

    def _send_batch(self, bodies: list[str], pauses: _Pauses) -> _Unsent | None:
        """None when SQS took every body, else what it did not take."""
        pending = {str(position): body for position, body in enumerate(bodies)}
        for attempt in range(1 + RESEND_ATTEMPTS):
            if attempt and not pauses.pause(FIRST_PAUSE_SECONDS * 2 ** (attempt - 1)):
                break
            entries = [{"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()]
            answer = client("sqs").send_message_batch(QueueUrl=self.url, Entries=entries)
            failed = answer.get("Failed", [])
            pending = {entry["Id"]: pending[entry["Id"]] for entry in failed}
            if any(entry.get("SenderFault") for entry in failed):
                # A malformed entry never succeeds on a resend: a bug, not an outage.
                return _Unsent(f"SQS refused entries as malformed: {failed}", len(pending), False)
            if not pending:
                return None
        return _Unsent(f"SQS did not accept {len(pending)} entries: {failed}", len(pending), True)


def _batches(bodies: list[str]) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    size = 0
    for body in bodies:
        length = len(body.encode())
        if batches[-1] and (
            len(batches[-1]) == SQS_BATCH_ENTRIES or size + length > SQS_BATCH_BYTES
        ):
            batches.append([])
            size = 0
        batches[-1].append(body)
        size += length
    return [batch for batch in batches if batch]


@dataclass(frozen=True)
class _Unsent:
    message: str
    count: int
    transient: bool


class _Pauses:
    """Jittered pauses between resends, from one budget for the whole request."""

    def __init__(self, budget_seconds: float) -> None:
        self.left = budget_seconds

    def pause(self, seconds: float) -> bool:
        """Sleep about `seconds` (half to all of it); False, without sleeping, once over budget."""
        seconds *= random.uniform(0.5, 1.0)
        if seconds > self.left:
            return False
        self.left -= seconds
        time.sleep(seconds)
        return True
