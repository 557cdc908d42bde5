"""MODEL_FORMAT=onnx in the Dockerfile and the requirements: an image without torch."""

from __future__ import annotations

import re

from cfn import REPO
from test_dockerfile import DOCKERFILE, stages


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (REPO / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            package, version = line.split("==")
            found[package.lower()] = version
    return found


def runtime_install() -> str:
    (run,) = [rest for keyword, rest in stages()[-1] if keyword == "RUN" and "pip" in rest]
    return run


def test_both_stages_take_the_model_format_with_torchscript_as_default() -> None:
    for stage in stages():
        assert ("ARG", "MODEL_FORMAT=torchscript") in stage
    builder = " ".join(rest for _, rest in stages()[0])
    assert '--format "${MODEL_FORMAT}"' in builder
    assert "requirements-onnx-export.txt" in builder


def test_the_onnx_runtime_branch_installs_no_torch() -> None:
    run = runtime_install()
    onnx_branch = re.search(r'if \[ "\$\{MODEL_FORMAT\}" = onnx \]; then(.*?)else(.*?)fi', run)
    assert onnx_branch, run
    onnx, torchscript = onnx_branch.groups()
    assert "-r requirements-onnx.txt" in onnx
    assert "torch" not in onnx
    assert "torch==${TORCH_VERSION}" in torchscript
    assert "-r requirements.txt" in torchscript


def test_onnx_requirements_are_the_runtime_ones_without_torch() -> None:
    """Whatever the shared runtime needs reaches the ONNX image too, at the same pin."""
    runtime, onnx = pins("requirements.txt"), pins("requirements-onnx.txt")
    assert {k: v for k, v in runtime.items() if k != "torch"} == {
        k: v for k, v in onnx.items() if k != "onnxruntime"
    }
    assert not [name for name in onnx if name.startswith(("torch", "nvidia"))]


def test_onnx_pins_agree_everywhere() -> None:
    files = ["requirements-onnx.txt", "requirements-onnx-export.txt", "requirements-bench.txt"]
    versions = {pins(name)["onnxruntime"] for name in files}
    assert len(versions) == 1, versions
    assert pins("requirements-onnx-export.txt")["onnx"] == pins("requirements-bench.txt")["onnx"]


def test_the_build_context_holds_the_onnx_requirements() -> None:
    ignore = (REPO / ".dockerignore").read_text().split()
    assert "!requirements-onnx.txt" in ignore
    assert "!requirements-onnx-export.txt" in ignore
    assert "MODEL_FORMAT" in DOCKERFILE
