"""Peak memory of the decode path, measured as the process's peak RSS, not time.

tracemalloc cannot see Pillow's C allocations, so each input runs in a fresh process that
reads its peak RSS (VmHWM) before and after. Not ru_maxrss: Linux carries the parent's peak
over into ru_maxrss across fork+exec, so a child of a big pytest process reads as big. Bounds:
- decompression bombs (10 gigapixels claimed): under 2 MiB of growth; they must be refused
  from the header, before any pixel buffer exists;
- a 12-megapixel phone photo (4000x3000 JPEG): under 20 MiB. A full decode needs 36 MiB for
  its RGB pixels alone; the DCT-scaled draft decode (500x375) needs about 0.6 MiB;
- as a control, the same photo as PNG (no reduced decode) must grow by over 30 MiB;
- a 1x40000 strip: under 20 MiB, where a plain resize would build a 256x10,240,000
  intermediate (7.5 GiB).

Measured on the development machine: bombs 0 to 0.8 MiB, the 12 MP JPEG 0.5 MiB (4.5 MiB
when drafts stopped at 1000x750), the PNG control 90 MiB, the strip 0.3 MiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_corpus import gif_bomb, jpeg_claiming, png_bomb
from photos import encode, photo
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024

PROBE = """
import json, sys
from pathlib import Path

from function.shared.errors import ServiceError
from function.inference.decode import decode_image
from function.inference.preprocess import to_model_input
from function.shared.settings import Settings

settings = Settings()
data = Path(sys.argv[1]).read_bytes()
warm = Path(sys.argv[2]).read_bytes()
to_model_input(decode_image(warm, settings.allowed_formats, settings.max_image_pixels))
def peak_rss_kib():
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])

before = peak_rss_kib()
try:
    to_model_input(decode_image(data, settings.allowed_formats, settings.max_image_pixels))
    outcome = "ok"
except ServiceError as exc:
    outcome = exc.code
after = peak_rss_kib()
print(json.dumps({"outcome": outcome, "growth_bytes": (after - before) * 1024}))
"""


def peak_growth(tmp_path: Path, data: bytes) -> dict:
    (tmp_path / "input").write_bytes(data)
    (tmp_path / "warm").write_bytes(encode(photo("chelsea"), "JPEG"))
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "input"), str(tmp_path / "warm")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("bomb", [png_bomb, gif_bomb, lambda: jpeg_claiming(65000, 65000)])
def test_bombs_are_refused_without_memory_growth(tmp_path: Path, bomb) -> None:
    report = peak_growth(tmp_path, bomb())
    assert report["outcome"] == "image_too_many_pixels"
    assert report["growth_bytes"] < 2 * MIB, report


def twelve_megapixels() -> Image.Image:
    return photo("retina").resize((4000, 3000), Image.Resampling.BILINEAR)


def test_a_12_megapixel_jpeg_is_decoded_small(tmp_path: Path) -> None:
    report = peak_growth(tmp_path, encode(twelve_megapixels(), "JPEG"))
    assert report["outcome"] == "ok"
    assert report["growth_bytes"] < 20 * MIB, report


def test_the_measurement_sees_a_full_decode(tmp_path: Path) -> None:
    """Control: the same photo as PNG has no reduced-size decode and must blow the bound,
    or the measurements above prove nothing."""
    report = peak_growth(tmp_path, encode(twelve_megapixels(), "PNG"))
    assert report["outcome"] == "ok"
    assert report["growth_bytes"] > 30 * MIB, report


def test_an_extreme_strip_is_resized_small(tmp_path: Path) -> None:
    report = peak_growth(tmp_path, encode(Image.new("RGB", (1, 40_000), (90, 10, 200)), "PNG"))
    assert report["outcome"] == "ok"
    assert report["growth_bytes"] < 20 * MIB, report
