"""Code run in a fresh interpreter at the repository root: import-time behaviour (cold start,
what an entry point loads, settings read once at import) can only be seen from outside."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def run_python(code: str, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c code args...`; fails the test with the probe's stderr if it fails."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )


def probe_json(code: str, env: Mapping[str, str], *args: str) -> Any:
    """The probe's last line of output, which it prints as JSON."""
    return json.loads(run_python(code, env, *args).stdout.strip().splitlines()[-1])
