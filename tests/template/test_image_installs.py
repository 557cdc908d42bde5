"""Every package each image stage installs has a wheel for the base image and architecture.

No Docker engine runs here, so the image build is proven from the package index's file lists:
for each stage of each image build, and each Architecture template.yaml offers, the Python
version and glibc of the stage's base image (read from the Dockerfile) and the requirements it
pip-installs, dependencies included, resolved as pip inside that image would resolve them.
Needs the package index: without one the test fails (it never skips) and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import package_index
import pytest
from cfn import REPO, load_template
from dockerfile_installs import Stage, stages
from lambda_platform import platform_of
from packaging.utils import canonicalize_name
from wheel_closure import Unresolvable, resolve


@dataclass(frozen=True)
class ImageBuild:
    dockerfile: str
    build_args: dict[str, str] = field(default_factory=dict)
    runs_torchscript: bool = True


# One entry per image the template can build. Another model format (ONNX) or requirements
# set is one more entry here: its own Dockerfile, or this one with other build args.
IMAGE_BUILDS = [ImageBuild("Dockerfile")]
# torch 2.14 warns that torch.jit.script, save and load are "not supported in Python 3.14+
# and may break" (torch/jit/_script.py, _serialization.py): the export and the runtime use them.
TORCHSCRIPT_UNSUPPORTED_FROM = (3, 14)
ARCHITECTURES = load_template()["Parameters"]["Architecture"]["AllowedValues"]


def build_stages(build: ImageBuild) -> list[Stage]:
    return stages(REPO / build.dockerfile, build.build_args)


CASES = [
    pytest.param(build, stage, architecture, id=f"{build.dockerfile}-{stage.name}-{architecture}")
    for build in IMAGE_BUILDS
    for stage in build_stages(build)
    for architecture in ARCHITECTURES
]


@pytest.mark.parametrize(("build", "stage", "architecture"), CASES)
def test_every_install_of_the_stage_has_a_wheel_for_its_base_image(
    build: ImageBuild, stage: Stage, architecture: str
) -> None:
    platform = platform_of(stage.image, architecture)
    try:
        resolved = resolve(stage.installs, platform)
    except package_index.IndexUnreachable as error:
        pytest.fail(f"{build.dockerfile} {stage.name}: {error}")
    except Unresolvable as error:
        pytest.fail(f"{build.dockerfile} stage {stage.name} cannot be built: {error}")
    except LookupError as error:  # a release whose dependencies the index does not publish
        pytest.fail(f"{build.dockerfile} stage {stage.name} cannot be proven: {error}")
    requested = {canonicalize_name(install.requirement.name) for install in stage.installs}
    assert requested <= set(resolved)
    for install in stage.installs:
        chosen = resolved[canonicalize_name(install.requirement.name)]
        assert install.requirement.specifier.contains(chosen.version)
    binary = sorted(f"{r.filename} [{r.tag}]" for r in resolved.values() if r.binary)
    print(f"\n{platform} {stage.name}: {len(resolved)} packages; binary:", *binary, sep="\n  ")
    assert any(name.startswith("torch-") for name in binary)


def test_every_stage_installs_something_on_a_known_lambda_base_image() -> None:
    for build in IMAGE_BUILDS:
        found = build_stages(build)
        assert found, build.dockerfile
        for stage in found:
            assert stage.installs, f"{build.dockerfile} {stage.name}: no pip install found"
            for architecture in ARCHITECTURES:
                assert platform_of(stage.image, architecture).os_name == "Amazon Linux 2023"


def test_torchscript_images_use_a_python_that_torchscript_supports() -> None:
    for build in (b for b in IMAGE_BUILDS if b.runs_torchscript):
        for stage in build_stages(build):
            version = platform_of(stage.image, "x86_64").python_version
            assert tuple(map(int, version.split("."))) < TORCHSCRIPT_UNSUPPORTED_FROM, stage


def test_an_unreachable_index_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 (discard) on the loopback: nothing listens, so the connection is refused at once.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    package_index.files.cache_clear()
    (stage, *_) = build_stages(IMAGE_BUILDS[0])
    with pytest.raises(package_index.IndexUnreachable, match="package index unreachable"):
        resolve(stage.installs, platform_of(stage.image, ARCHITECTURES[0]))
    package_index.files.cache_clear()


def test_the_old_python_311_base_image_cannot_install_torch() -> None:
    """Amazon Linux 2 (glibc 2.26) under python:3.11; torch 2.14 ships manylinux_2_28 only."""
    (stage, *_) = stages(REPO / "Dockerfile", {"PYTHON_VERSION": "3.11"})
    platform = platform_of(stage.image, "x86_64")
    assert (platform.os_name, platform.glibc) == ("Amazon Linux 2", (2, 26))
    assert "manylinux_2_28_x86_64" not in platform.platform_tags()
    with pytest.raises(Unresolvable, match=r"torch==2\.14\.1: no release"):
        resolve(stage.installs, platform)
