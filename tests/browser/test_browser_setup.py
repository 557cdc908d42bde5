"""The browser the page's tests drive: Debian's chromium, never Playwright's download; a
missing one fails in CI and skips elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The missing-browser runs need none of tests/conftest.py's model fixtures (nor torch's import).
ONLY_THIS_CONFTEST = ["--confcutdir", str(Path(__file__).parent)]


def test_the_system_chromium_launches(browser) -> None:
    assert int(browser.version.split(".")[0]) >= 120  # Debian's package, not a download


@pytest.mark.parametrize(
    ("ci", "outcome", "exit_code"), [("true", "1 error", 1), ("", "1 skipped", 0)]
)
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(ci, outcome, exit_code) -> None:
    env = {**os.environ, "CI": ci, "CHROMIUM_PATH": "/nonexistent/chromium"}
    test = f"{Path(__file__).relative_to(REPO)}::test_the_system_chromium_launches"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ONLY_THIS_CONFTEST, test],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == exit_code, run.stdout
    assert outcome in run.stdout, run.stdout
    assert "/nonexistent/chromium is missing" in run.stdout
