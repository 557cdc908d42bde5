"""docs/BENCHMARKS_BATCH_CACHE.md from docs/batch-cache.json and docs/added-cold-start.json."""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def batch_section(data: dict) -> str:
    handler, model = data["per_image_ms_640x480"], data["model_only_per_image_ms"]
    single = handler["single_requests"]
    rows = [["single requests", f"{single:.1f}", "1.00", ""]]
    for size in (1, 4, 16):
        key = f"batch_of_{size}"
        rows.append(
            [
                f"batch of {size}",
                f"{handler[key]:.1f}",
                f"{handler[key] / single:.2f}",
                f"{model[key]:.2f}",
            ]
        )
    return (
        "## Batches: per-image time\n\n"
        "640x480 camera-like JPEGs through the Lambda handler (REST events): 16 different "
        "images sent one request each, against one `POST /classify/batch` of 1, 4 or 16 of "
        f"them; every round runs each variant once, interleaved; median of {data['rounds']} "
        "rounds. The last column is the model alone on an (N, 3, 224, 224) tensor.\n\n"
        + table(["", "ms per image", "vs single", "model only, ms per image"], rows)
    )


def cache_section(data: dict) -> str:
    rows = []
    for size, timing in data["cache_memory_layer_ms"].items():
        rows.append(
            [
                size,
                f"{timing['miss']:.1f}",
                f"{timing['hit']:.1f}",
                f"{timing['miss'] / timing['hit']:.0f}x",
            ]
        )
    return (
        "## The content cache: hit against miss\n\n"
        "`POST /classify` with a raw JPEG through the Lambda handler, in-memory layer; each "
        "image is sent twice (miss, then hit), median over distinct images. A hit still reads "
        "and hashes the body (sha256), then ranks the cached vector: no decode, no model. "
        "The DynamoDB layer adds one GetItem (single-digit milliseconds in-region); "
        "it is not measured here, since moto's latency says nothing about DynamoDB's.\n\n"
        + table(["image", "miss, ms", "hit, ms", "speed-up"], rows)
    )


def cold_start_section(data: dict) -> str:
    rows = [
        [
            clock_name,
            f"{values['base_median']:.1f}",
            f"{values['this_tree_median']:.1f}",
            f"{values['added_median']:.1f}",
            f"{values['added_best_of']:.1f}",
        ]
        for clock_name, values in (
            ("CPU time", data["app_import_cpu_ms"]),
            ("wall clock", data["app_import_ms"]),
        )
    ]
    return (
        "## Added cold start, S3 routes unused\n\n"
        f"`import function.api.app` in fresh interpreters, {data['pairs']} runs each, "
        f"alternating with the tree before this work ({data['base']}), the shared third-party "
        "packages imported first and untimed, IMAGES_BUCKET and RESULTS_TABLE unset. The "
        "machine was shared (load average "
        f"{data['load_average_during_run']} on 2 CPUs), so wall-clock medians swing by tens "
        "of milliseconds between runs; CPU time is the steadier measure.\n\n"
        + table(["clock", "before, ms", "after, ms", "added (medians)", "added (best runs)"], rows)
        + "\n\nThe first S3 request then pays for boto3 (import and one client): "
        f"{data['first_s3_request_boto3_import_and_client_ms']:.0f} ms, once per "
        "execution environment.\n"
    )


def busy_machine_warning(data: dict) -> str:
    if data["load_average_during_run"] <= data["cpus"]:
        return ""
    return (
        "**This run shared its CPUs with other work** (load average above the CPU count): a "
        "single warm request took "
        f"{data['per_image_ms_640x480']['single_requests']:.0f} ms here, against single-digit "
        "milliseconds on a quiet machine (docs/BENCHMARKS.md). torch's thread team suffers "
        "most from such contention, so these ratios overstate what batching and caching save; "
        "run `make bench` on a quiet machine for figures to quote."
    )


def main() -> None:
    batch_cache = json.loads((DOCS / "batch-cache.json").read_text())
    cold = json.loads((DOCS / "added-cold-start.json").read_text())
    text = "\n\n".join(
        part
        for part in [
            "# Batches, the content cache and their cold-start cost\n\n"
            "Written by `make bench` (bench/batch_cache.py, bench/added_cold_start.py); the "
            "raw numbers are docs/batch-cache.json and docs/added-cold-start.json. Read the "
            f"ratios: absolute times move with the machine's load (load average "
            f"{batch_cache['load_average_during_run']} on {batch_cache['cpus']} CPUs here).",
            busy_machine_warning(batch_cache),
            batch_section(batch_cache),
            cache_section(batch_cache),
            cold_start_section(cold),
        ]
        if part
    )
    (DOCS / "BENCHMARKS_BATCH_CACHE.md").write_text(text)


if __name__ == "__main__":
    main()
