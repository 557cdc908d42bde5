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


HEIF_PROBE = """
import json, sys
from pathlib import Path
import function.handler
from function.inference.decode import decode_image
from function.shared.settings import get_settings

formats, limit = get_settings().allowed_formats, get_settings().max_image_pixels
seen = {"init": "pillow_heif" in sys.modules}
decode_image(Path(sys.argv[1]).read_bytes(), formats, limit)
seen["after_jpeg"] = "pillow_heif" in sys.modules
seen["all_pillow_plugins"] = "PIL.IcoImagePlugin" in sys.modules
decode_image(Path(sys.argv[2]).read_bytes(), formats, limit)
seen["after_heic"] = "pillow_heif" in sys.modules
print(json.dumps(seen))
"""


def test_the_heif_plugin_is_imported_by_the_first_heif_request_only(model_dir, tmp_path) -> None:
    """pillow-heif costs cold start, so init never imports it; nor may asking Pillow for HEIF
    make it import all of its plugins."""
    from heic_samples import heic_photo
    from photos import photo_bytes

    (tmp_path / "a.jpg").write_bytes(photo_bytes("chelsea"))
    (tmp_path / "a.heic").write_bytes(heic_photo())
    env = {**os.environ, "MODEL_DIR": str(model_dir)}
    command = [sys.executable, "-c", HEIF_PROBE, str(tmp_path / "a.jpg"), str(tmp_path / "a.heic")]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "init": False,
        "after_jpeg": False,
        "all_pillow_plugins": False,
        "after_heic": True,
    }
