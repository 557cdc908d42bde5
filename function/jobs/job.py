"""A job as GET /jobs/{job_id} reports it: its counts, and the status they add up to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    job_id: str
    total: int
    succeeded: int
    failed: int
    top_k: int
    done: bool
    enqueued: bool
    # Set when POST /jobs failed after storing the job: how many of its messages were queued.
    messages_sent: int | None = None

    @property
    def status(self) -> str:
        if self.done or self.succeeded + self.failed >= self.total:
            return "done"
        if self.messages_sent is not None:
            return "failed_to_submit"
        return "running" if self.succeeded + self.failed else "queued"
