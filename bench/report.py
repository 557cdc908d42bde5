"""Turn bench results into docs/BENCHMARKS.md, two PNG charts and docs/benchmarks.json."""

from __future__ import annotations

import json
import math
import re
from importlib import metadata
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from measure import PHASES, REPO, installed_mib

DOCS = REPO / "docs"
# Published Lambda prices (us-east-1, first pricing tier) per GB-second, and per request.
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICE_PER_REQUEST = 0.20 / 1_000_000
MEMORY_SIZES_MB = [1024, 1769, 3008, 5120]
MB_PER_VCPU = 1769  # Lambda allocates CPU in proportion to memory: 1769 MB = 1 vCPU
CUDA_ONLY = re.compile(r"^(nvidia-|cuda-|triton)")
CUDA_LIBRARY = re.compile(r"(cuda|cudnn|cublas|cusparse|cufft|curand|nccl|nvrtc|nvToolsExt)")


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def requirement_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[=<>\[ ]", line)[0])
    return names


def footprint() -> dict[str, float]:
    """Installed MiB of the runtime closure (the Lambda image) against the build closure."""
    runtime = installed_mib(requirement_names(REPO / "requirements.txt"))
    build = installed_mib([*requirement_names(REPO / "requirements.txt"), "torchvision"])
    torch_files = metadata.distribution("torch").files or []
    cuda_in_torch = sum(f.size or 0 for f in torch_files if CUDA_LIBRARY.search(str(f))) / 2**20

    def without_cuda(sizes: dict[str, float]) -> float:
        return sum(v for k, v in sizes.items() if not CUDA_ONLY.match(k)) - cuda_in_torch

    onnx_runtime = installed_mib(requirement_names(REPO / "requirements-onnx.txt"))
    return {
        "onnx_runtime_total": sum(onnx_runtime.values()),
        "onnxruntime": onnx_runtime.get("onnxruntime", 0.0),
        "runtime_total": sum(runtime.values()),
        "build_total": sum(build.values()),
        "runtime_without_cuda": without_cuda(runtime),
        "build_without_cuda": without_cuda(build),
        "torch": runtime.get("torch", 0.0),
        "torchvision_and_extra_deps": sum(build.values()) - sum(runtime.values()),
    }


def latency_at(vcpus: float, one_thread_ms: float, two_threads_ms: float) -> float:
    """Assumed latency for a fractional vCPU share: below one vCPU, time stretches by the
    share; between one and two, the measured two-thread speed-up grows linearly; above two
    we assume no further gain (this machine cannot measure it), which overstates cost."""
    if vcpus <= 1:
        return one_thread_ms / vcpus
    gain = max(one_thread_ms / two_threads_ms - 1, 0.0)
    return one_thread_ms / (1 + gain * min(vcpus - 1, 1))


def cost_table(warm: dict) -> list[dict]:
    one = warm["ours_1_thread"]["640x480"]["p50"]
    two = warm["ours"]["640x480"]["p50"]
    rows = []
    for memory in MEMORY_SIZES_MB:
        vcpus = memory / MB_PER_VCPU
        latency = latency_at(vcpus, one, two)
        billed_seconds = math.ceil(latency) / 1000  # Lambda bills in 1 ms steps
        row = {"memory_mb": memory, "vcpus": round(vcpus, 2), "latency_ms": round(latency, 1)}
        for arch, price in PRICE_PER_GB_SECOND.items():
            per_request = price * memory / 1024 * billed_seconds + PRICE_PER_REQUEST
            row[f"usd_per_million_{arch}"] = f"{per_request * 1_000_000:.2f}"
        rows.append(row)
    return rows


def chart_latency(results: dict, path: Path) -> None:
    sizes = list(results["warm_ms"]["ours"])
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for offset, (name, label) in enumerate(
        [
            ("ours", "ours (int8 TorchScript)"),
            ("onnx", "ours (int8 ONNX Runtime)"),
            ("tutorial", "tutorial baseline (fp32 eager)"),
        ]
    ):
        data = results["warm_ms"][name]
        p50 = [data[s]["p50"] for s in sizes]
        p99 = [data[s]["p99"] for s in sizes]
        xs = [i + (offset - 1) * 0.27 for i in range(len(sizes))]
        axis.bar(xs, p50, width=0.25, label=f"{label}, p50")
        axis.errorbar(
            xs,
            p50,
            yerr=[[0] * len(p50), [b - a for a, b in zip(p50, p99, strict=True)]],
            fmt="none",
            ecolor="black",
            capsize=3,
        )
    axis.set_xticks(range(len(sizes)), sizes)
    axis.set_xlabel("JPEG size (pixels)")
    axis.set_ylabel("ms per request (log scale)")
    axis.set_yscale("log")
    axis.legend()
    axis.set_title("Warm latency through the Lambda handler (bar p50, whisker p99)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def chart_cold_start(results: dict, path: Path) -> None:
    variants = list(results["cold_start_ms"])
    figure, axis = plt.subplots(figsize=(9.5, 4))
    left = [0.0] * len(variants)
    for phase in PHASES:
        widths = [results["cold_start_ms"][v].get(phase, 0.0) / 1000 for v in variants]
        axis.barh(variants, widths, left=left, label=phase.replace("_", " "))
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axis.set_xlabel("seconds from process start (median of runs)")
    axis.invert_yaxis()
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    axis.set_title("Cold start, broken down")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict) -> None:
    from document import render

    DOCS.mkdir(exist_ok=True)
    chart_latency(results, DOCS / "bench-latency.png")
    chart_cold_start(results, DOCS / "bench-cold-start.png")
    (DOCS / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    (DOCS / "BENCHMARKS.md").write_text(render(results))
