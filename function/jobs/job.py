"""A job as GET /jobs/{job_id} reports it: its counts, and the status they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Job:
    job_id: str
    total: int | None  # None while a prefix is being listed
    succeeded: int
    failed: int
    top_k: int
    stage: str  # listing, queued, exporting, done, failed (job_status in the table)
    enqueued: bool
    listed: int = 0
    source: dict[str, str] = field(default_factory=dict)  # bucket and prefix of a prefix job
    export: dict[str, str] = field(default_factory=dict)  # format -> S3 key, once done
    # Set when POST /jobs failed after storing the job: how many of its images were queued.
    messages_sent: int | None = None
    owner: str | None = None  # the caller id that created it (function/api/caller.py)
    error: dict[str, str] | None = None  # why a failed job failed: code and message

    @property
    def done(self) -> bool:
        return self.stage == "done"

    @property
    def status(self) -> str:
        if self.stage == "queued" and self.messages_sent is not None:
            return "failed_to_submit"
        if self.stage == "queued":
            return "running" if self.succeeded + self.failed else "queued"
        if self.stage == "listing" and self.messages_sent is not None:
            return "failed_to_submit"  # its list step was never queued
        return self.stage
