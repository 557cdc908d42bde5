"""The wheels pip inside a base image would pick for a stage's requirements, dependencies included.

A small resolver over the index's file lists: newest version allowed by every requirement
seen, as pip picks it. pip's own `--dry-run --report --platform` needs each wheel's metadata
and downloads whole wheels (gigabytes of torch) where the index publishes no PEP 658 metadata,
as on this project's CI; and it evaluates markers for the machine running it, not the image.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass

import package_index
from dockerfile_installs import Install
from lambda_platform import Platform
from packaging.requirements import Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

# PyTorch's CPU index (download.pytorch.org/whl/cpu) is unreachable from CI. For the same
# torch/torchvision version it publishes the same platform tags as PyPI (cp3XX, manylinux_2_28
# x86_64 and aarch64; only the local version label +cpu differs), so PyPI's file list stands
# in for it. Its wheels need no CUDA runtime, which PyPI's Linux torch requires: those
# requirements are dropped for packages that come from this index.
STAND_IN_INDEXES = {"https://download.pytorch.org/whl/cpu"}
CUDA_RUNTIME = re.compile(r"^(nvidia-.*|cuda-.*|triton)$")
SDISTS = (".tar.gz", ".zip")


class Unresolvable(Exception):
    """pip inside the image would fail, or compile from source, for this requirement."""


@dataclass(frozen=True)
class Resolved:
    name: str
    version: Version
    filename: str
    tag: Tag  # the tag pip would match, the most preferred one the wheel carries

    @property
    def binary(self) -> bool:
        return self.tag.platform != "any"


def choose(name: str, specifier: SpecifierSet, platform: Platform, index: str) -> tuple:
    """(Resolved, file) for the newest release with a file pip could use on this platform."""
    preference = {tag: rank for rank, tag in enumerate(platform.tags())}
    releases: dict[Version, list[tuple[int, dict, Tag | None]]] = defaultdict(list)
    offered: set[str] = set()  # for the error: what the wanted releases do have for this machine
    for file in package_index.files(name, index):
        try:
            requires_python = SpecifierSet(file.get("requires-python") or "")
        except InvalidSpecifier:
            continue
        if file.get("yanked") or platform.python_version not in requires_python:
            continue
        filename = file["filename"]
        try:
            parsed = parse_wheel_filename(filename) if filename.endswith(".whl") else None
            sdist = parse_sdist_filename(filename) if filename.endswith(SDISTS) else None
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue  # pip skips files it cannot parse too
        if parsed:
            _, version, _, tags = parsed
            if specifier.contains(version):
                offered |= {f"{t.abi}-{t.platform}" for t in tags if platform.machine in t.platform}
            ranked = sorted((preference[tag], tag) for tag in tags if tag in preference)
            if ranked:
                releases[version].append((ranked[0][0], file, ranked[0][1]))
        elif sdist:
            releases[sdist[1]].append((len(preference), file, None))
    allowed = [version for version in releases if specifier.contains(version)]
    if not allowed:
        raise Unresolvable(
            f"{name}{specifier}: no release on {index} installs on {platform}; "
            f"its wheels for {platform.machine}: {', '.join(sorted(offered)) or 'none'}"
        )
    newest = max(allowed)
    _, file, tag = min(releases[newest], key=lambda candidate: candidate[0])
    if tag is None:
        raise Unresolvable(f"{name}=={newest}: no wheel for {platform}; pip would compile it")
    return Resolved(canonicalize_name(name), newest, file["filename"], tag), file


def walk(installs: list[Install], platform: Platform, seed: dict[str, SpecifierSet]) -> tuple:
    """One pass over the dependency graph; returns (resolved, every specifier met)."""
    environment = platform.marker_environment()
    origin: dict[str, str | None] = {}
    for install in installs:
        origin.setdefault(canonicalize_name(install.requirement.name), install.index_url)
    specifiers = defaultdict(SpecifierSet, seed)
    resolved: dict[str, Resolved] = {}
    dependencies: dict[str, list[Requirement]] = {}
    walked: set[tuple[str, str]] = set()  # (package, extra) whose dependencies are queued
    queue = deque(install.requirement for install in installs)
    while queue:
        requirement = queue.popleft()
        name = canonicalize_name(requirement.name)
        specifiers[name] &= requirement.specifier
        if name not in resolved:
            resolved[name], dependencies[name] = release(name, specifiers[name], platform, origin)
        for extra in sorted({"", *requirement.extras}):
            if (name, extra) not in walked:
                walked.add((name, extra))
                queue += [
                    dependency
                    for dependency in dependencies[name]
                    if dependency.marker is None
                    or dependency.marker.evaluate({**environment, "extra": extra})
                ]
    return resolved, specifiers


def release(name: str, specifier: SpecifierSet, platform: Platform, origin: dict) -> tuple:
    """(Resolved, its requirements) from the package's own index or its stand-in."""
    index = package_index.index_url()
    declared = origin.get(name) or index
    if declared not in (index, *STAND_IN_INDEXES):
        raise Unresolvable(f"{name} comes from {declared}, which this check cannot read")
    resolved, file = choose(name, specifier, platform, index)
    requirements = package_index.requirements(name, resolved.version, file, index)
    if declared in STAND_IN_INDEXES:
        requirements = [r for r in requirements if not CUDA_RUNTIME.match(r.name)]
    return resolved, requirements


def resolve(installs: list[Install], platform: Platform) -> dict[str, Resolved]:
    """Walk again with every specifier met until each chosen version satisfies them all."""
    seed: dict[str, SpecifierSet] = {}
    for _ in range(5):
        resolved, specifiers = walk(installs, platform, seed)
        conflicts = [n for n, r in resolved.items() if not specifiers[n].contains(r.version)]
        if not conflicts:
            return resolved
        seed = dict(specifiers)
    raise Unresolvable(f"no versions satisfy every requirement on {conflicts} for {platform}")
