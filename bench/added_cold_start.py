"""`make bench` (part 3): what the S3, batch and cache code adds to a cold start, unused.

Imports the app in fresh interpreters, alternating between this tree and the tree before it
(BASE, default: the merge base with main), with IMAGES_BUCKET and RESULTS_TABLE unset. The
third-party packages both trees share (torch, FastAPI, Powertools...) are imported first and
untimed, so the difference is our modules and route setup alone. Also times what the first
S3 request pays: importing boto3 and building a client. Writes docs/added-cold-start.json.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAIRS = int(os.environ.get("PAIRS", "25"))
SHARED = "import torch, numpy, PIL.Image, fastapi, pydantic_settings, mangum, aws_lambda_powertools"
PROBE = f"""
import json, time
{SHARED}
import starlette.formparsers, multipart
started, cpu_started = time.perf_counter(), time.process_time()
import function.api.app
print(json.dumps({{
    "ms": (time.perf_counter() - started) * 1000,
    "cpu_ms": (time.process_time() - cpu_started) * 1000,
}}))
"""
BOTO3_PROBE = """
import json, time
started = time.perf_counter()
import boto3
boto3.session.Session().client("s3", region_name="us-east-1")
print(json.dumps({"ms": (time.perf_counter() - started) * 1000}))
"""


def run(code: str, tree: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("IMAGES_BUCKET", "RESULTS_TABLE")}
    env.update(PYTHONPATH=str(tree), TORCH_CPP_LOG_LEVEL="ERROR")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def base_tree(destination: Path) -> str:
    base = (
        os.environ.get("BASE")
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    archive = subprocess.run(["git", "archive", base, "function"], cwd=REPO, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    return base


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = base_tree(Path(scratch))
        for tree in (REPO, Path(scratch)):
            run(PROBE, tree)  # untimed: writes bytecode, warms the page cache
        ours, theirs = [], []
        for pair in range(PAIRS):  # alternate which goes first: no order bias
            if pair % 2:
                theirs.append(run(PROBE, Path(scratch)))
            ours.append(run(PROBE, REPO))
            if not pair % 2:
                theirs.append(run(PROBE, Path(scratch)))
    boto3_ms = [run(BOTO3_PROBE, REPO)["ms"] for _ in range(5)]
    results: dict[str, object] = {"base": base[:12]}
    for clock in ("ms", "cpu_ms"):  # CPU time moves less when other processes share the CPUs
        this_tree = [a[clock] for a in ours]
        base_tree_ = [b[clock] for b in theirs]
        results[f"app_import_{clock}"] = {
            "this_tree_median": statistics.median(this_tree),
            "base_median": statistics.median(base_tree_),
            "added_median": statistics.median(this_tree) - statistics.median(base_tree_),
            # The least-disturbed run of each: the best estimate on a busy machine.
            "added_best_of": min(this_tree) - min(base_tree_),
        }
    results.update(
        first_s3_request_boto3_import_and_client_ms=statistics.median(boto3_ms),
        pairs=PAIRS,
        load_average_during_run=round(os.getloadavg()[0], 1),
    )
    (REPO / "docs" / "added-cold-start.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
