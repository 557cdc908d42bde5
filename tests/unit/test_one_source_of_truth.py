"""Messages and lists that repeat a fact must derive it from the one place that defines it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from function.shared.settings import Settings
from modelbuild import calibration

REPO = Path(__file__).resolve().parents[2]


def test_calibration_takes_every_format_the_service_accepts(tmp_path) -> None:
    formats = Settings().allowed_formats
    assert formats == calibration.FORMATS
    for suffix in (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".avif"):
        assert suffix in calibration.IMAGE_SUFFIXES, suffix
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(calibration.CalibrationError) as raised:
        calibration.batches(tmp_path, seed=0)
    for name in formats:
        assert name in str(raised.value)


def test_every_test_file_cited_in_the_code_and_docs_exists() -> None:
    sources = [*REPO.glob("function/**/*.py"), *REPO.glob("modelbuild/*.py")]
    sources += [*REPO.glob("tests/**/*.py"), *REPO.glob("docs/*.md"), REPO / "README.md"]
    cited = {
        match
        for path in sources
        for match in re.findall(r"tests/[\w/]+\.py", path.read_text(encoding="utf-8"))
    }
    assert cited  # the pattern finds citations at all
    missing = sorted(path for path in cited if not (REPO / path).is_file())
    assert missing == []
