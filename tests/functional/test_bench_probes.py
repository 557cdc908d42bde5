"""`make bench`'s probes on a tiny budget, so that a change that breaks them fails here rather
than five minutes into a benchmark run (issue 18, item 15: the content cache made the warm
probe's repeats hits, whose log lines carry no image size, and the run crashed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from make_events import BOUNDARY, multipart, rest_event
from photos import photo_bytes

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import measure  # noqa: E402

# What bench/document.py and bench/report.py read from each probe.
STAGE_FIELDS = {"latency_ms", "decode_ms", "preprocess_ms", "inference_ms"}
REQUESTS = 3


@pytest.fixture(scope="module")
def bench_env(model_dir: Path) -> dict[str, str]:
    # A fresh clone's shell: no CACHE_SIZE, so the service's default cache is on.
    env = measure.child_env(MODEL_DIR=str(model_dir))
    env.pop("CACHE_SIZE", None)
    return env


@pytest.fixture(scope="module")
def event(tmp_path_factory: pytest.TempPathFactory) -> Path:
    body = multipart("image", "320x240.jpg", "image/jpeg", photo_bytes("cat", size=(320, 240)))
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    path = tmp_path_factory.mktemp("bench") / "320x240.json"
    path.write_text(json.dumps(rest_event("POST", "/classify", headers, body)))
    return path


def test_warm_probe_measures_the_compute_path_with_the_cache_off(bench_env, event) -> None:
    report = measure.warm_probe("ours", [event], REQUESTS, bench_env)
    assert len(report["latencies_ms"]["320x240"]) == REQUESTS
    assert report["peak_rss_kib"] > 0
    assert report["cache_hits"] == 0
    # Two untimed requests and the timed ones, each decoded and run through the model.
    stages = report["stages_ms"]["320x240"]
    assert set(stages) == STAGE_FIELDS
    assert stages["inference_ms"] > 0
    assert stages["decode_ms"] > 0
    assert measure.percentiles(report["latencies_ms"]["320x240"])["n"] == REQUESTS


def test_warm_probe_reports_the_cache_hit_on_its_own(bench_env, event) -> None:
    report = measure.warm_probe("ours", [event], REQUESTS, bench_env, cache=True)
    assert len(report["latencies_ms"]["320x240"]) == REQUESTS
    # The second untimed request and every timed one are hits; only the first was computed.
    assert report["cache_hits"] == REQUESTS + 1
    assert set(report["stages_ms"]["320x240"]) == STAGE_FIELDS
