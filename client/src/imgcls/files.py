"""The files a command was given: each file named, and every file under each folder."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from imgcls.errors import ConfigError

# Python's table lacks some of the formats the API takes; the API decides by the bytes anyway.
EXTRA_TYPES = {
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".avif": "image/avif",
    ".webp": "image/webp",
}


def collect(paths: list[str]) -> list[Path]:
    """Files in the order given, folders walked recursively in sorted order; hidden files
    inside folders (.DS_Store, editors' swap files) are skipped, named ones never are."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError(f"{name}: no such file or folder")
    return found


def content_type(path: Path) -> str:
    """The Content-Type of a presigned upload, which must be image/*: the server decodes by
    content, so an unknown extension is sent as image/jpeg and judged by its bytes."""
    suffix = path.suffix.lower()
    guessed = EXTRA_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or ""
    return guessed if guessed.startswith("image/") else "image/jpeg"
