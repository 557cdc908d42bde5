"""`make bench` (part 2): batch versus single requests, and cache hits versus misses.

In one serving process, through the Lambda handler with REST events, as warm_probe.py does.
Writes docs/batch-cache.json; bench/batch_cache_report.py turns it into Markdown.
"""

from __future__ import annotations

import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[1:1] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from lambda_context import CONTEXT  # noqa: E402
from make_events import BOUNDARY, multipart_files, rest_event  # noqa: E402
from photos import PHOTOS, encode, photo  # noqa: E402

OUT = REPO / "bench" / "out"
ROUNDS = 15
BATCH_SIZES = (1, 4, 16)


def image(seed: int, size: tuple[int, int]) -> bytes:
    """A distinct camera-like JPEG per seed: one of the sample photos, scaled, with grain."""
    source = photo(sorted(PHOTOS)[seed % len(PHOTOS)]).convert("RGB").resize(size)
    grain = np.random.default_rng(seed).normal(0, 2.0, (size[1], size[0], 3))
    pixels = np.clip(np.asarray(source, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels), "JPEG", quality=88)


def raw_event(data: bytes) -> dict:
    return rest_event("POST", "/classify", {"Content-Type": "image/jpeg"}, data)


def batch_event(images: list[bytes]) -> dict:
    body = multipart_files("images", [(f"{i}.jpg", "image/jpeg", d) for i, d in enumerate(images)])
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    return rest_event("POST", "/classify/batch", headers, body)


def timed(handler, event: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    response = handler(event, CONTEXT)
    elapsed = (time.perf_counter() - started) * 1000
    assert response["statusCode"] == 200, response["body"][:300]
    body = response["body"]
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return elapsed, {**response["headers"], "body": body}


def per_image_ms(handler, model, images: list[bytes]) -> dict[str, dict[str, float]]:
    """Median per-image time of single requests and of batches of 1, 4 and 16, through the
    handler and for the model alone. Every round runs each variant once, interleaved, so that
    load from other processes falls on all of them alike."""
    events = {size: batch_event(images[:size]) for size in BATCH_SIZES}
    tensors = {
        size: np.random.default_rng(size).standard_normal((size, 3, 224, 224), np.float32)
        for size in BATCH_SIZES
    }
    handler_runs: dict[str, list[float]] = {"single_requests": []}
    model_runs: dict[str, list[float]] = {}
    for round_number in range(ROUNDS + 1):
        singles = [timed(handler, raw_event(data))[0] for data in images]
        timings = {"single_requests": statistics.mean(singles)}
        for size in BATCH_SIZES:
            timings[f"batch_of_{size}"] = timed(handler, events[size])[0] / size
            started = time.perf_counter()
            model.probabilities(tensors[size])
            model_time = (time.perf_counter() - started) * 1000 / size
            if round_number:  # round 0 is a warm-up
                model_runs.setdefault(f"batch_of_{size}", []).append(model_time)
        if round_number:
            for name, value in timings.items():
                handler_runs.setdefault(name, []).append(value)
    return {
        "handler": {name: statistics.median(runs) for name, runs in handler_runs.items()},
        "model_only": {name: statistics.median(runs) for name, runs in model_runs.items()},
    }


def hit_and_miss_ms(handler, size: tuple[int, int], seeds: range) -> dict[str, float]:
    misses, hits = [], []
    for seed in seeds:
        event = raw_event(image(seed, size))
        elapsed, miss = timed(handler, event)
        assert miss["x-cache"] == "miss"
        misses.append(elapsed)
        elapsed, hit = timed(handler, event)
        assert hit["x-cache"] == "hit"
        hits.append(elapsed)
    return {"miss": statistics.median(misses), "hit": statistics.median(hits)}


def main() -> None:
    from modelbuild.export import export

    model_dir = OUT / "model"
    if not (model_dir / "metadata.json").is_file():
        export(model_dir, "random", "x86", None, seed=0)
    os.environ.update(
        MODEL_DIR=str(model_dir),
        CACHE_SIZE="0",
        POWERTOOLS_METRICS_DISABLED="1",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from function.handler import app, get_classifier, handler

    images = [image(seed, (640, 480)) for seed in range(16)]
    for data in images[:2]:
        timed(handler, raw_event(data))  # warm the request path
    batch = per_image_ms(handler, get_classifier(), images)

    from function.api.dependencies import current_cache
    from function.cache.content import ContentCache
    from function.cache.lru import LruMap

    memory = ContentCache(LruMap(1024), None, 3600)
    app.dependency_overrides[current_cache] = lambda: memory
    cache = {
        "640x480": hit_and_miss_ms(handler, (640, 480), range(100, 100 + ROUNDS * 2)),
        "4000x3000": hit_and_miss_ms(handler, (4000, 3000), range(200, 200 + ROUNDS)),
    }
    results = {
        "per_image_ms_640x480": batch["handler"],
        "model_only_per_image_ms": batch["model_only"],
        "cache_memory_layer_ms": cache,
        "rounds": ROUNDS,
        "load_average_during_run": round(os.getloadavg()[0], 1),
        "cpus": len(os.sched_getaffinity(0)),
    }
    (REPO / "docs" / "batch-cache.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
