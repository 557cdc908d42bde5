"""The shell blocks that the README and the documentation pages show, with their markers.

A block is a fenced `bash` code block. The comment line right above it (blank lines between
allowed) may mark it: `<!-- needs AWS -->` (an account, a deployed stack or Docker) or
`<!-- dry run -->` (long-running `make` targets and test commands, checked without running
them). An unmarked block is run, as it stands, against the local stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(\s*)```(bash|sh|shell|console)\s*$")
MARKER = re.compile(r"^\s*<!--\s*(needs AWS|dry run)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    marker: str | None
    text: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    def commands(self) -> list[str]:
        """Command lines, continuations joined, comments and blank lines left out."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        lines = (line.strip() for line in joined.splitlines())
        return [line for line in lines if line and not line.startswith("#")]


def documents() -> list[Path]:
    pages = sorted(path for path in (REPO / "docs").rglob("*.md") if "hooks" not in path.parts)
    return [REPO / "README.md", *pages]


def blocks(path: Path) -> list[Block]:
    found: list[Block] = []
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, start = opening.group(1), index
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
        body = "\n".join(line.removeprefix(indent) for line in lines[start + 1 : end])
        found.append(Block(path, start + 1, _marker(lines, start), body + "\n"))
        index = end + 1
    return found


def _marker(lines: list[str], fence: int) -> str | None:
    above = fence - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    match = MARKER.match(lines[above]) if above >= 0 else None
    return match.group(1) if match else None


def all_blocks() -> list[Block]:
    return [block for path in documents() for block in blocks(path)]
