"""The client is a distribution of its own: never in the Lambda image, never imported by it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from cli_stack import cli_env
from probes import probe_json

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import importlib.util, json, sys
import function.handler
print(json.dumps({
    "modules": sorted(sys.modules),
    "client_installed": importlib.util.find_spec("imgcls") is not None,
}))
"""


def test_the_handler_never_imports_the_client(model_dir: Path) -> None:
    report = probe_json(PROBE, {**os.environ, "MODEL_DIR": str(model_dir)})
    assert report["client_installed"]  # sanity: it could have been imported
    assert not [m for m in report["modules"] if m == "imgcls" or m.startswith("imgcls.")]
    assert not [m for m in report["modules"] if m == "rich" or m.startswith("rich.")]


def docker_ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parents = ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)]
    ignored = False
    for line in patterns:
        negated = line.startswith("!")
        glob = line.removeprefix("!").rstrip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, parent) for parent in parents):
            ignored = not negated
    return ignored


def test_the_image_build_context_leaves_the_client_out() -> None:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    client_files = [p.relative_to(REPO).as_posix() for p in (REPO / "client").rglob("*")]
    assert "client/pyproject.toml" in client_files
    assert not [f for f in client_files if not docker_ignored(f, patterns)]
    assert not docker_ignored("function/handler.py", patterns)  # sanity: the rule can pass
    copied = re.findall(r"^COPY (?!--from)(.+)$", (REPO / "Dockerfile").read_text(), re.M)
    assert copied
    assert not [c for c in copied if "client" in c]


def test_the_tests_run_this_checkouts_client() -> None:
    """The shared venv's editable install may point at another checkout: the tests must not."""
    import imgcls

    checkout = Path(__file__).resolve().parents[2] / "client" / "src"
    assert Path(imgcls.__file__).resolve().is_relative_to(checkout)
    where = "import imgcls; print(imgcls.__file__)"
    run = subprocess.run(
        [sys.executable, "-c", where], env=cli_env(None), capture_output=True, text=True
    )
    found = run.stdout.strip()
    assert Path(found).resolve().is_relative_to(checkout), found
