"""The jobs queue in SQS: send many messages, ten per SendMessageBatch call (SQS's maximum)."""

from __future__ import annotations

from dataclasses import dataclass

from function.aws.clients import client

SQS_BATCH_ENTRIES = 10
# SendMessageBatch may refuse some entries and accept the rest; those are sent again this often.
RESEND_ATTEMPTS = 2


class MessagesNotSent(Exception):
    """SQS refused some entries even after resending them."""


@dataclass(frozen=True)
class WorkQueue:
    url: str

    def send_all(self, bodies: list[str]) -> None:
        """Send every body; raise MessagesNotSent or botocore's exceptions if any is not sent.

        Sending the same body twice is harmless: the worker records each (job, image) once.
        """
        for start in range(0, len(bodies), SQS_BATCH_ENTRIES):
            self._send_batch(bodies[start : start + SQS_BATCH_ENTRIES])

    def _send_batch(self, bodies: list[str]) -> None:
        pending = {str(position): body for position, body in enumerate(bodies)}
        for _ in range(1 + RESEND_ATTEMPTS):
            entries = [{"Id": entry_id, "MessageBody": body} for entry_id, body in pending.items()]
            answer = client("sqs").send_message_batch(QueueUrl=self.url, Entries=entries)
            failed = answer.get("Failed", [])
            # Sender faults (a malformed entry) never succeed on a resend.
            if any(entry.get("SenderFault") for entry in failed):
                raise MessagesNotSent(f"SQS refused entries as malformed: {failed}")
            pending = {entry["Id"]: pending[entry["Id"]] for entry in failed}
            if not pending:
                return
        raise MessagesNotSent(f"SQS did not accept {len(pending)} entries: {failed}")
