"""`make bench`: measure cold start, warm latency, memory, footprint and cost in one run,
then write docs/BENCHMARKS.md, its charts and docs/benchmarks.json.

Everything runs on this machine in one go, so the ratios between variants are what to read;
absolute times move with the machine's load.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path[1:1] = [str(REPO), str(REPO / "tests")]

import measure  # noqa: E402
import report  # noqa: E402
from make_events import BOUNDARY, multipart, rest_event  # noqa: E402
from photos import encode, photo  # noqa: E402

from function.inference.model_thread import available_cpus  # noqa: E402
from function.inference.onnx_backend import OnnxBackend  # noqa: E402
from modelbuild.export import export, float_model, quiet_torch_deprecations  # noqa: E402
from modelbuild.onnx_export import export_fp32  # noqa: E402

OUT = measure.BENCH / "out"
SIZES = {
    "224x224": (224, 224),
    "640x480": (640, 480),
    "1920x1080": (1920, 1080),
    "4000x3000": (4000, 3000),
}
COLD_START_RUNS = 5
WARM_REQUESTS = 40


def photograph(width: int, height: int) -> bytes:
    """A real photograph cropped to the aspect ratio, scaled, with a little sensor-like grain
    so that large JPEGs compress (and decode) like camera output rather than smooth art."""
    source = photo("coffee")
    aspect = width / height
    crop_width = min(source.width, round(source.height * aspect))
    crop_height = round(crop_width / aspect)
    left, top = (source.width - crop_width) // 2, (source.height - crop_height) // 2
    image = source.crop((left, top, left + crop_width, top + crop_height))
    image = image.resize((width, height), Image.Resampling.LANCZOS)
    grain = np.random.default_rng(width).normal(0, 2.0, (height, width, 3))
    pixels = np.clip(np.asarray(image, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels), "JPEG", quality=88)


def write_events() -> dict[str, Path]:
    events = {}
    for name, (width, height) in SIZES.items():
        body = multipart("image", f"{name}.jpg", "image/jpeg", photograph(width, height))
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        events[name] = OUT / f"{name}.json"
        events[name].write_text(json.dumps(rest_event("POST", "/classify", headers, body)))
    return events


def build_models() -> dict:
    """One set of fp32 weights: our int8 TorchScript and int8 ONNX (both `make model`
    exports), the tutorial's fp32, and an fp32 ONNX file for the model-only comparison."""
    model_dir, onnx_dir = OUT / "model", OUT / "model-onnx"
    export(model_dir, "random", "x86", None, seed=0)
    export(onnx_dir, "random", "x86", None, seed=0, model_format="onnx")
    fp32, _, _ = float_model("random", None, seed=0)
    torch.save(fp32.state_dict(), OUT / "fp32_state_dict.pt")
    with quiet_torch_deprecations():
        export_fp32(copy.deepcopy(fp32), OUT / "fp32.onnx")
    return {"model_dir": model_dir, "onnx_dir": onnx_dir, "fp32": fp32}


def load_int8(model_dir: Path, engine: str) -> torch.jit.ScriptModule:
    """Quantized weights are packed for the engine that is current when the module loads."""
    torch.backends.quantized.engine = engine
    with quiet_torch_deprecations():
        return torch.jit.load(str(model_dir / "model.pt"))


def model_only_timings(built: dict) -> dict[str, float]:
    """All on this one thread: loading on one thread and running on another costs double
    (see function.inference.model_thread.on_model_thread)."""
    torch.set_num_threads(available_cpus())
    fp32 = built["fp32"].eval()
    with quiet_torch_deprecations():
        scripted = torch.jit.freeze(torch.jit.script(copy.deepcopy(fp32)))
    threads = available_cpus()
    fbgemm, x86 = (load_int8(built["model_dir"], engine) for engine in ("fbgemm", "x86"))
    models = {
        "fp32 eager (PyTorch)": measure.torch_forward(fp32),
        "fp32 TorchScript, frozen": measure.torch_forward(scripted),
        "int8 TorchScript, fbgemm engine": measure.torch_forward(fbgemm, "fbgemm"),
        "int8 TorchScript, x86 engine (ours)": measure.torch_forward(x86, "x86"),
        "fp32 ONNX Runtime": OnnxBackend(OUT / "fp32.onnx", threads).logits,
        "int8 ONNX Runtime (static QDQ)": OnnxBackend(
            built["onnx_dir"] / "model.onnx", threads
        ).logits,
    }
    return measure.model_only(models)


def main() -> None:
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    built = build_models()
    events = write_events()
    env = measure.child_env(
        MODEL_DIR=str(built["model_dir"]),
        BENCH_FP32_WEIGHTS=str(OUT / "fp32_state_dict.pt"),
        BENCH_LABELS=str(built["model_dir"] / "labels.json"),
    )
    onnx_env = {**env, "MODEL_DIR": str(built["onnx_dir"])}
    print("cold starts ...", flush=True)
    cold = measure.cold_starts(
        {
            "floor": env,
            "ours": env,
            "sequential": env,
            "tutorial": env,
            "onnx": onnx_env,
        },
        events["640x480"],
        COLD_START_RUNS,
    )
    print("warm latency ...", flush=True)
    all_sizes = list(events.values())
    ours = measure.warm_probe("ours", all_sizes, WARM_REQUESTS, env)
    tutorial = measure.warm_probe("tutorial", all_sizes, WARM_REQUESTS // 2, env)
    one_thread = measure.warm_probe(
        "ours", [events["640x480"]], WARM_REQUESTS, {**env, "TORCH_THREADS": "1"}
    )
    onnx = measure.warm_probe("ours", all_sizes, WARM_REQUESTS, onnx_env)
    onnx_one_thread = measure.warm_probe(
        "ours", [events["640x480"]], WARM_REQUESTS, {**onnx_env, "TORCH_THREADS": "1"}
    )
    # The content cache's answer to a repeated image, as its own row: no decode, no model.
    cache_hit = measure.warm_probe("ours", [events["640x480"]], WARM_REQUESTS, env, cache=True)
    load_only = measure.warm_probe("load_only", [], 0, env)
    print("model only, footprint ...", flush=True)
    results = {
        "machine": {
            "cpu": report.cpu_model(),
            "cpus_available": available_cpus(),
            "python": platform.python_version(),
            "torch": torch.__version__,
            # Other jobs on a shared machine distort every number; the ratios less so.
            "load_average_1min": [round(load_at_start, 2), round(os.getloadavg()[0], 2)],
        },
        "cold_start_ms": cold,
        "warm_ms": {
            "ours": {k: measure.percentiles(v) for k, v in ours["latencies_ms"].items()},
            "tutorial": {k: measure.percentiles(v) for k, v in tutorial["latencies_ms"].items()},
            "ours_1_thread": {
                k: measure.percentiles(v) for k, v in one_thread["latencies_ms"].items()
            },
            "onnx": {k: measure.percentiles(v) for k, v in onnx["latencies_ms"].items()},
            "onnx_1_thread": {
                k: measure.percentiles(v) for k, v in onnx_one_thread["latencies_ms"].items()
            },
            "ours_cache_hit": {
                k: measure.percentiles(v) for k, v in cache_hit["latencies_ms"].items()
            },
        },
        "stages_ms": ours["stages_ms"],
        "memory_kib": {
            "serving_peak_after_4000x3000": ours["peak_rss_kib"],
            "torch_and_model_only_peak": load_only["peak_rss_kib"],
            "tutorial_serving_peak": tutorial["peak_rss_kib"],
            "onnx_serving_peak_after_4000x3000": onnx["peak_rss_kib"],
        },
        "model_only_ms": model_only_timings(built),
        "footprint_mib": report.footprint(),
        "image_bytes": {name: len(photograph(*size)) for name, size in SIZES.items()},
        "bench_seconds": None,
    }
    results["cost"] = report.cost_table(results["warm_ms"])
    results["bench_seconds"] = round(time.monotonic() - started, 1)
    report.write(results)
    print(f"done in {results['bench_seconds']} s: docs/BENCHMARKS.md")


if __name__ == "__main__":
    main()
