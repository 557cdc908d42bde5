"""What the Lambda runtime imports: never torchvision, never the build-time export code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import function.handler
print(json.dumps({
    "modules": sorted(sys.modules),
    "handler_callable": callable(function.handler.handler),
}))
"""


def test_handler_import_pulls_in_no_build_time_code(model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    modules = set(report["modules"])
    assert report["handler_callable"]
    assert "torch" in modules  # sanity: the probe really loaded the model
    assert not {m for m in modules if m == "torchvision" or m.startswith("torchvision.")}
    assert "modelbuild.export" not in modules
    assert "modelbuild.calibration" not in modules


def test_missing_model_fails_init_with_a_clear_message(tmp_path: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import function.handler"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "make model" in result.stderr
