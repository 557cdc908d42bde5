"""The platform of a Lambda Python base image: the wheel tags and markers pip inside it accepts."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.tags import Tag, compatible_tags, cpython_tags

LAMBDA_PYTHON_IMAGE = "public.ecr.aws/lambda/python"
AMAZON_LINUX_2 = ("Amazon Linux 2", (2, 26))
AMAZON_LINUX_2023 = ("Amazon Linux 2023", (2, 34))
# The OS under each Lambda Python base image, and so its glibc: a wheel tagged manylinux_2_N
# runs only where glibc >= 2.N. Amazon Linux 2 support ended on 2026-06-30.
BASE_IMAGE_OS = {
    "3.9": AMAZON_LINUX_2,
    "3.10": AMAZON_LINUX_2,
    "3.11": AMAZON_LINUX_2,
    "3.12": AMAZON_LINUX_2023,
    "3.13": AMAZON_LINUX_2023,
    "3.14": AMAZON_LINUX_2023,
}
# template.yaml's Architecture values (Lambda's names) and the machine names in wheel tags.
MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# Legacy manylinux names, each an alias of a manylinux_2_N tag; 2010 and 1 exist for x86 only.
LEGACY_MANYLINUX = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}


@dataclass(frozen=True)
class Platform:
    image: str
    python_version: str  # "3.14": pip's --python-version, as precise as the image tag is
    os_name: str
    glibc: tuple[int, int]
    machine: str

    def __str__(self) -> str:
        glibc = ".".join(map(str, self.glibc))
        return f"{self.image} {self.machine} (CPython {self.python_version}, glibc {glibc})"

    def platform_tags(self) -> list[str]:
        """manylinux tags from the newest this glibc runs down to the oldest, as pip orders them."""
        major, newest = self.glibc
        oldest = 5 if self.machine == "x86_64" else 17
        found = []
        for minor in range(newest, oldest - 1, -1):
            found.append(f"manylinux_{major}_{minor}_{self.machine}")
            legacy = LEGACY_MANYLINUX.get(minor)
            if legacy and (minor == 17 or self.machine == "x86_64"):
                found.append(f"{legacy}_{self.machine}")
        return [*found, f"linux_{self.machine}"]

    def tags(self) -> list[Tag]:
        """Every tag pip would accept, most preferred first."""
        version = tuple(int(part) for part in self.python_version.split("."))
        interpreter = "cp" + "".join(map(str, version))
        platforms = self.platform_tags()
        return [
            *cpython_tags(version, abis=[interpreter], platforms=platforms),
            *compatible_tags(version, interpreter, platforms),
        ]

    def marker_environment(self) -> dict[str, str]:
        """PEP 508 marker values inside the image (not on the machine running the tests)."""
        return {
            "implementation_name": "cpython",
            "implementation_version": self.python_version,
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.python_version,
            "python_version": self.python_version,
            "sys_platform": "linux",
        }


def platform_of(image: str, architecture: str) -> Platform:
    repository, _, tag = image.rpartition(":")
    if repository != LAMBDA_PYTHON_IMAGE:
        raise LookupError(f"{image}: not a Lambda Python base image; describe its platform here")
    python_version = ".".join(tag.split(".")[:2])  # "3.14" or a dated tag "3.14.2026.11.20.1"
    if python_version not in BASE_IMAGE_OS:
        raise LookupError(f"{image}: unknown Python base image; add its OS to BASE_IMAGE_OS")
    if architecture not in MACHINES:
        raise LookupError(f"architecture {architecture!r}: add its wheel machine name to MACHINES")
    os_name, glibc = BASE_IMAGE_OS[python_version]
    return Platform(image, python_version, os_name, glibc, MACHINES[architecture])
