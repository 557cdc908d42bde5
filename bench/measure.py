"""Measurements for `make bench`: each returns plain numbers for bench/run.py to report."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from packaging.requirements import Requirement

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PHASES = [
    "interpreter",
    "runtime_import",
    "other_imports",
    "model_load",
    "warm_up",
    "init",
    "first_request",
]


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "TORCH_CPP_LOG_LEVEL": "ERROR", **extra}
    env.pop("POWERTOOLS_DEV", None)
    # The Lambda image ships compiled bytecode; let the discarded first run write it here too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_probe(script: str, args: list[str], env: dict[str, str]) -> str:
    """Run bench/SCRIPT in a fresh interpreter; its standard output."""
    command = [sys.executable, str(BENCH / script), *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, cwd=BENCH
    ).stdout


def last_json_line(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def cold_start_once(variant: str, event: Path, env: dict[str, str]) -> dict[str, float]:
    """Phase durations in ms, from the parent's spawn to the first response, and the CPU
    time the child used (user + system): on a machine shared with other work, wall time
    stretches with the competition, CPU time much less."""
    spawned = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stamps = last_json_line(run_probe("cold_start_probe.py", [variant, str(event)], env))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    durations, previous = {}, spawned
    for phase in PHASES:
        if phase in stamps:
            durations[phase] = (stamps[phase] - previous) * 1000
            previous = stamps[phase]
    durations["total"] = (previous - spawned) * 1000
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    durations["cpu"] = used * 1000
    return durations


def cold_starts(variants: dict[str, dict[str, str]], event: Path, runs: int) -> dict[str, dict]:
    """Round-robin over the variants so that machine noise hits them all alike."""
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in variants}
    for round_number in range(runs + 1):
        for name, env in variants.items():
            variant = name.split("-")[0]
            durations = cold_start_once(variant, event, env)
            if round_number:  # round 0 fills the page cache and the bytecode caches
                samples[name].append(durations)
    return {
        name: {key: statistics.median(s[key] for s in runs_) for key in runs_[0]}
        | {"runs_total_ms": [round(s["total"], 1) for s in runs_]}
        for name, runs_ in samples.items()
    }


def warm_probe(
    variant: str, events: list[Path], requests: int, env: dict[str, str], cache: bool = False
) -> dict:
    """Latencies and peak RSS, plus per-stage medians read from the service's own log lines.

    The probe repeats each image, so an enabled content cache would answer every timed request
    from memory: by default the cache is off (CACHE_SIZE=0) and the numbers are the compute
    path's. `cache=True` measures the hit path instead; a hit logs no decode or inference."""
    env = {**env, "CACHE_SIZE": "1024" if cache else "0"}
    stdout = run_probe("warm_probe.py", [variant, str(requests), *map(str, events)], env)
    report = last_json_line(stdout)
    stages: dict[str, dict[str, list[float]]] = {}
    hits = 0
    for line in stdout.splitlines():
        if '"message":"request"' not in line:
            continue
        entry = json.loads(line)
        if entry.get("cache_hits"):
            hits += 1
            continue
        size = stages.setdefault(f"{entry['image_width']}x{entry['image_height']}", {})
        for key in ("latency_ms", "decode_ms", "preprocess_ms", "inference_ms"):
            size.setdefault(key, []).append(entry[key])
    if not cache and hits:
        raise RuntimeError(f"{hits} cache hits with the cache off: not the compute path")
    if cache and variant == "ours" and hits < requests * len(events):
        raise RuntimeError(f"{hits} cache hits for {requests * len(events)} timed requests")
    report["cache_hits"] = hits
    report["stages_ms"] = {
        size: {key: statistics.median(values) for key, values in timings.items()}
        for size, timings in stages.items()
    }
    return report


def percentiles(values: list[float]) -> dict[str, float]:
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "n": len(values)}


def model_only(models: dict[str, object], runs: int = 60) -> dict[str, float]:
    """Median ms per (1, 3, 224, 224) image; `models` maps a name to a callable on numpy."""
    batch = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    results = {}
    for name, forward in models.items():
        for _ in range(5):
            forward(batch)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            forward(batch)
            timings.append((time.perf_counter() - started) * 1000)
        results[name] = statistics.median(timings)
    return results


def torch_forward(module: torch.nn.Module, engine: str | None = None):
    def forward(batch: np.ndarray):
        if engine:
            torch.backends.quantized.engine = engine
        with torch.inference_mode():
            return module(torch.from_numpy(batch))

    return forward


def installed_mib(requirement_names: list[str]) -> dict[str, float]:
    """Installed size of each distribution in the closure of `requirement_names`."""
    seen: dict[str, float] = {}
    pending = [name.lower() for name in requirement_names]
    while pending:
        name = pending.pop().replace("_", "-")
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        files = distribution.files or []
        seen[name] = sum(f.size or 0 for f in files if f.size) / 2**20
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name.lower())
    return seen
