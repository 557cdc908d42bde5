"""Print the package index torch should come from in the local virtualenv, or nothing.

PyPI's Linux torch wheel is a CUDA build that pulls about 4 GB of nvidia-* wheels, though
this service only runs on the CPU. PyTorch's CPU-only index serves the same release as
`2.14.1+cpu`, which satisfies `torch==2.14.1`. The index is used only if it answers within
the timeout: offline, or behind a proxy that only lets PyPI through, `make` must fall back to
the default index in seconds, not hang on DNS or a silent firewall.

Usage: python scripts/torch_index.py URL TIMEOUT_SECONDS   (an empty URL prints nothing)
"""

from __future__ import annotations

import sys
import threading
import urllib.request


def reachable(index_url: str, timeout: float) -> bool:
    """True when the index lists torch within `timeout` seconds, DNS lookup included."""
    answer: list[bool] = []

    def probe() -> None:
        request = urllib.request.Request(index_url.rstrip("/") + "/torch/", method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer.append(200 <= response.status < 300)
        except (OSError, ValueError):
            answer.append(False)

    # urlopen's timeout does not cover name resolution, which can stall for much longer.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer) and answer[0]


def main(argv: list[str]) -> int:
    index_url, timeout = argv[1].strip(), float(argv[2])
    if not index_url:
        print("torch: TORCH_INDEX_URL is empty, using the default index", file=sys.stderr)
    elif reachable(index_url, timeout):
        print(f"torch: CPU-only wheels from {index_url}", file=sys.stderr)
        print(index_url)
    else:
        print(
            f"torch: {index_url} did not answer within {timeout:g} s; using the default "
            "index (on Linux x86_64 that is the CUDA build, about 4 GB)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
