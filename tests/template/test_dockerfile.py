"""The Dockerfile, checked statically: no Docker engine runs where the tests do."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cfn import REPO

DOCKERFILE = (REPO / "Dockerfile").read_text()
BASE_IMAGE = "public.ecr.aws/lambda/python"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE)
    pairs = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def stages() -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions():
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def test_multi_stage_on_the_official_lambda_base_image() -> None:
    froms = [rest for keyword, rest in instructions() if keyword == "FROM"]
    assert len(froms) == 2
    assert all(image.startswith(f"{BASE_IMAGE}:") for image in froms)


def test_cmd_names_an_importable_callable_handler(model_dir: Path) -> None:
    (cmd,) = [json.loads(rest) for keyword, rest in instructions() if keyword == "CMD"]
    (handler_path,) = cmd
    module_name, _, attribute = handler_path.rpartition(".")
    probe = (
        f"import importlib; m = importlib.import_module({module_name!r}); "
        f"assert callable(getattr(m, {attribute!r}))"
    )
    env = {**os.environ, "MODEL_DIR": str(model_dir)}
    subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, check=True)
    assert importlib.util.find_spec(module_name) is not None


def test_every_copied_source_exists_and_is_in_the_build_context() -> None:
    ignore = (REPO / ".dockerignore").read_text().split()
    for keyword, rest in instructions():
        if keyword != "COPY" or rest.startswith("--from"):
            continue
        *sources, _destination = rest.split()
        for source in sources:
            assert (REPO / source).exists(), f"COPY {source}: no such file"
            assert f"!{source}" in ignore, f".dockerignore excludes {source}"


def test_runtime_stage_installs_cpu_torch_and_no_torchvision() -> None:
    runtime = " ".join(rest for _, rest in stages()[-1])
    assert "torchvision" not in runtime
    assert "--index-url ${TORCH_INDEX_URL} torch==${TORCH_VERSION}" in runtime
    assert re.search(r"ARG TORCH_INDEX_URL=https://download\.pytorch\.org/whl/cpu\n", DOCKERFILE)


def test_runtime_requirements_have_no_torchvision_and_no_cuda_index() -> None:
    requirements = (REPO / "requirements.txt").read_text().lower()
    lines = [line.split("#")[0].strip() for line in requirements.splitlines()]
    assert not [line for line in lines if line.startswith("torchvision")]
    assert not [line for line in lines if "index-url" in line or "find-links" in line]
    assert not [line for line in lines if "nvidia" in line or "+cu" in line or "cuda" in line]


def test_torch_versions_agree_with_the_requirement_pins() -> None:
    pins = dict(
        line.split("==")
        for line in (REPO / "requirements-dev.txt").read_text().splitlines()
        + (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert f"ARG TORCH_VERSION={pins['torch']}\n" in DOCKERFILE
    assert f"ARG TORCHVISION_VERSION={pins['torchvision']}\n" in DOCKERFILE


def test_build_time_code_never_reaches_the_runtime_image() -> None:
    """modelbuild/ (needs torchvision) is copied into the builder stage and nowhere else."""
    copied = {
        index: [rest.split()[0] for keyword, rest in stage if keyword == "COPY"]
        for index, stage in enumerate(stages())
    }
    runtime_sources = copied[len(copied) - 1]
    assert "function/" in runtime_sources
    # From the builder, only the exported model: never /build itself, which holds modelbuild/.
    from_builder = [
        rest.split()[1]
        for keyword, rest in stages()[-1]
        if keyword == "COPY" and rest.startswith("--from=builder")
    ]
    assert from_builder == ["/build/model/"]
    assert not [source for source in runtime_sources if "modelbuild" in source or source == "."]
    assert "modelbuild/" in copied[0]
    assert (REPO / "modelbuild" / "export.py").is_file()
    assert not list((REPO / "function").rglob("export*.py"))
