"""Warm latency in one serving process: `python bench/warm_probe.py VARIANT REQUESTS EVENT...`.

Each event goes through the handler REQUESTS times after two untimed calls; prints the
per-request milliseconds for each event and the process's peak RSS (VmHWM) at the end.
VARIANT: `ours` (either model format: MODEL_DIR decides), `tutorial`, or `load_only`
(import torch and load model.pt, nothing else: the memory reference).
"""

import json
import os
import sys
import time
from pathlib import Path

from lambda_context import CONTEXT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def main() -> None:
    variant, requests, event_paths = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if variant == "load_only":
        import torch

        torch.backends.quantized.engine = "x86"
        torch.jit.load(str(Path(os.environ["MODEL_DIR"]) / "model.pt"))
        print(json.dumps({"peak_rss_kib": memory_kib("VmHWM"), "rss_kib": memory_kib("VmRSS")}))
        return
    if variant == "tutorial":
        import tutorial_app

        handler = tutorial_app.handler
    else:
        from function.handler import handler
    latencies = {}
    for path in event_paths:
        event = json.loads(Path(path).read_text())
        for _ in range(2):
            assert handler(event, CONTEXT)["statusCode"] == 200
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            response = handler(event, CONTEXT)
            timings.append((time.perf_counter() - started) * 1000)
            assert response["statusCode"] == 200
        latencies[Path(path).stem] = timings
    print(json.dumps({"latencies_ms": latencies, "peak_rss_kib": memory_kib("VmHWM")}))


if __name__ == "__main__":
    main()
