"""What the Lambda runtime imports: never torchvision, never the build-time export code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from probes import probe_json

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
    report = probe_json(PROBE, env)
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

BOTO3_PROBE = """
import json, sys
from fastapi.testclient import TestClient
import function.handler
client = TestClient(function.handler.app)
seen = {"after_import": "boto3" in sys.modules}
jpeg = open(sys.argv[1], "rb").read()
client.post("/classify", content=jpeg, headers={"content-type": "image/jpeg"})
seen["after_classify"] = "boto3" in sys.modules
client.post("/uploads")
seen["after_uploads"] = "boto3" in sys.modules
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
    seen = probe_json(HEIF_PROBE, env, str(tmp_path / "a.jpg"), str(tmp_path / "a.heic"))
    assert seen == {
        "init": False,
        "after_jpeg": False,
        "all_pillow_plugins": False,
        "after_heic": True,
    }


def test_boto3_waits_for_the_first_s3_request(model_dir: Path, tmp_path: Path) -> None:
    """The synchronous path never pays for boto3; the first S3 route does."""
    from photos import photo_bytes

    image = tmp_path / "cat.jpg"
    image.write_bytes(photo_bytes("chelsea"))
    env = {
        **os.environ,
        "MODEL_DIR": str(model_dir),
        "IMAGES_BUCKET": "some-bucket",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    seen = probe_json(BOTO3_PROBE, env, str(image))
    assert seen == {"after_import": False, "after_classify": False, "after_uploads": True}


def test_importtime_shows_no_boto3_at_init(model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir), "IMAGES_BUCKET": "some-bucket"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import function.handler"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "function.api.routes.uploads" in imported  # sanity: the S3 routes were imported
    assert "boto3" not in imported
    assert not {name for name in imported if name.startswith("boto3.")}


WORKER_PROBE = """
import json, sys
import function.worker
print(json.dumps({"modules": sorted(sys.modules), "handler": callable(function.worker.handler)}))
"""


def test_the_worker_imports_no_web_framework_and_no_torchvision(model_dir: Path) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir)}
    report = probe_json(WORKER_PROBE, env)
    roots = {name.split(".")[0] for name in report["modules"]}
    assert report["handler"]
    assert "torch" in roots  # sanity: the probe really loaded the model
    assert not roots & {"fastapi", "starlette", "mangum", "uvicorn", "multipart", "torchvision"}
    assert "modelbuild" not in roots
    assert "function.api" not in report["modules"]
