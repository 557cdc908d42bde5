"""What each stage of a Dockerfile pip-installs, read statically with its ARG defaults applied."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement

# pip options followed by a value, so that the value is never taken for a requirement.
VALUE_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c", "--constraint",
    "-t", "--target", "--prefix", "--root", "--platform", "--python-version", "--abi",
    "--implementation", "--only-binary", "--no-binary", "--progress-bar",
}  # fmt: skip
PIP_INSTALL = (["pip", "install"], ["pip3", "install"], ["python", "-m", "pip", "install"])


@dataclass(frozen=True)
class Install:
    requirement: Requirement
    index_url: str | None  # None: pip's default index


@dataclass
class Stage:
    name: str
    image: str
    installs: list[Install] = field(default_factory=list)


def substitute(text: str, args: dict[str, str]) -> str:
    """${NAME} and $NAME of declared ARGs; anything else (${LAMBDA_TASK_ROOT}) is left as is."""
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args.get(m[1] or m[2], m[0]), text)


def requirements_file(path: Path) -> list[Requirement]:
    found: list[Requirement] = []
    for raw in path.read_text().splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if line.startswith(("-r ", "--requirement ")):
            found += requirements_file(path.parent / line.split(maxsplit=1)[1])
        elif line.startswith("-"):
            raise ValueError(f"{path.name}: option {line!r} is not understood by this check")
        elif line:
            found.append(Requirement(line))
    return found


def pip_installs(command: str, context: Path) -> list[Install]:
    """The requirements of every `pip install` in one RUN command."""
    installs: list[Install] = []
    for segment in re.split(r"&&|\|\||;", command):
        words = shlex.split(segment)
        prefix = next((p for p in PIP_INSTALL if words[: len(p)] == p), None)
        if prefix is None:
            continue
        words, index_url, requirements = words[len(prefix) :], None, []
        while words:
            word = words.pop(0)
            option, has_value, value = word.partition("=")
            if option in ("-r", "--requirement"):
                requirements += requirements_file(context / (value or words.pop(0)))
            elif option in ("-i", "--index-url"):
                index_url = value if has_value else words.pop(0)
            elif option in VALUE_OPTIONS and not has_value:
                words.pop(0)
            elif not word.startswith("-"):
                requirements.append(Requirement(word))
        installs += [Install(requirement, index_url) for requirement in requirements]
    return installs


def stages(dockerfile: Path, build_args: dict[str, str] | None = None) -> list[Stage]:
    """Every FROM stage with its base image and installs; build_args act like --build-arg."""
    overrides = build_args or {}
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    global_args: dict[str, str] = {}
    found: list[Stage] = []
    args = global_args
    for line in (raw.strip() for raw in text.splitlines()):
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG":
            name, has_default, default = rest.partition("=")
            inherited = global_args.get(name, "") if args is not global_args else ""
            value = substitute(default, args) if has_default else inherited
            args[name] = overrides.get(name, value)
        elif keyword == "FROM":
            image, *alias = substitute(rest, global_args).split()
            found.append(Stage(alias[-1] if alias else str(len(found)), image))
            args = {}
        elif keyword == "RUN" and found:
            found[-1].installs += pip_installs(substitute(rest, args), dockerfile.parent)
    return found
