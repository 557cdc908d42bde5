"""Where the CLI writes: results on stdout, progress and messages on stderr."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

out = Console(soft_wrap=True)
err = Console(stderr=True)


def say(message: str) -> None:
    err.print(message, markup=False, highlight=False, soft_wrap=True)


def warn_loudly(warning: str) -> None:
    """The random-weights warning: predictions that must not be taken for real ones."""
    err.print(Panel(Text(warning), title="WARNING: NOT A REAL MODEL", style="bold red"))


def upload_progress() -> Progress:
    return Progress(
        TextColumn("uploading"),
        BarColumn(),
        TextColumn("{task.fields[files]} files"),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=err,
    )


def job_progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )
