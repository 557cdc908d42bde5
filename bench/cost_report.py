"""docs/COST.md from the counted requests of bench/cost_run.py: dollars per million images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import prices

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "COST.md"
MEMORY_MB = (1769, 3008)
TARGET_NON_DURATION, TARGET_TOTAL = 1.50, 3.00


def breakdown(measured: dict[str, Any]) -> dict[str, float]:
    """Dollars per million images for everything but Lambda's duration, by service."""
    scale = 1_000_000 / measured["images"]
    requests: dict[str, int] = measured["requests"]
    s3 = sum(
        n * prices.S3_REQUEST.get(op, 0.005 / 1000)
        for key, n in requests.items()
        for service, op in [key.split(":")]
        if service == "s3"
    )
    sqs = sum(n for key, n in requests.items() if key.startswith("sqs:")) * prices.SQS_REQUEST
    events = sum(n for key, n in requests.items() if key.startswith("events:"))
    invocations = measured["worker_invocations"] + measured["api_requests"]
    return {
        "S3 requests": s3 * scale,
        "SQS requests": sqs * scale,
        "DynamoDB writes": measured["dynamodb_write_units"] * prices.DYNAMODB_WRITE_UNIT * scale,
        "DynamoDB reads": measured["dynamodb_read_units"] * prices.DYNAMODB_READ_UNIT * scale,
        "EventBridge events": events * prices.EVENTBRIDGE_EVENT * scale,
        "Lambda requests": invocations * prices.LAMBDA_REQUEST * scale,
    }


def duration(measured: dict[str, Any], memory_mb: int, arch: str) -> float:
    seconds_per_million = measured["worker_seconds"] * 1_000_000 / measured["images"]
    return seconds_per_million * memory_mb / 1024 * prices.LAMBDA_GB_SECOND[arch]


def write_report(measured: dict[str, Any]) -> None:
    parts = breakdown(measured)
    fixed = sum(parts.values())
    lines = [
        "# Cost per million images",
        "",
        f"Measured by `make bench` (bench/cost_run.py): one {measured['job_form']} job of "
        f"{measured['images']:,} distinct images already in S3, through the real API and worker "
        "against moto, every AWS request counted (DynamoDB in capacity units), priced at the "
        "us-east-1 on-demand list prices in bench/prices.py. Written by the benchmark: do not "
        "edit.",
        "",
        "| | USD per million images |",
        "|---|---|",
        *[f"| {name} | {value:.3f} |" for name, value in parts.items()],
        f"| **everything but Lambda duration** (target ≤ {TARGET_NON_DURATION:.2f}) "
        f"| **{fixed:.3f}** |",
        "",
        f"Worker time: {measured['worker_seconds']} s for {measured['images']:,} images in "
        f"{measured['worker_invocations']} invocations (one torch thread, as one vCPU at 1769 MB; "
        "the same seconds are assumed at 3008 MB, which makes it an upper bound there).",
        "",
        "| memory | arch | Lambda duration | whole bill per million |",
        "|---|---|---|---|",
    ]
    for memory in MEMORY_MB:
        for arch in ("x86_64", "arm64"):
            spent = duration(measured, memory, arch)
            lines.append(f"| {memory} MB | {arch} | {spent:.3f} | {fixed + spent:.3f} |")
    most = measured["most_written_item_writes"]
    lines += [
        "",
        f"Target for the whole bill at 1769 MB: ≤ {TARGET_TOTAL:.2f}. The most-written DynamoDB "
        f"item took {most} writes for {measured['images']:,} images "
        f"({most / measured['images']:.3f} per image).",
        "",
        "Counted requests:",
        "",
        "| service:operation | requests |",
        "|---|---|",
        *[f"| {key} | {n:,} |" for key, n in measured["requests"].items()],
        f"| DynamoDB write units | {measured['dynamodb_write_units']:,.0f} |",
        f"| DynamoDB read units | {measured['dynamodb_read_units']:,.1f} |",
        f"| worker invocations | {measured['worker_invocations']:,} |",
        f"| API requests | {measured['api_requests']:,} |",
        "",
    ]
    OUT.write_text("\n".join(lines))
