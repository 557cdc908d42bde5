"""A package index's file lists (PEP 691 JSON) and release requirements, without any wheel."""

from __future__ import annotations

import email.parser
import json
import os
import ssl
import urllib.error
import urllib.request
from functools import cache
from importlib import metadata
from urllib.parse import urljoin

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

DEFAULT_INDEX = "https://pypi.org/simple"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


class IndexUnreachable(Exception):
    """No answer from the index: nothing can be proven, so the caller must fail, not skip."""


def index_url() -> str:
    """pip's own setting for a mirror, else PyPI; pip's local extra indexes are not used."""
    return (os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def fetch(url: str, accept: str = "*/*") -> bytes:
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT"))
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.read()
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
        raise IndexUnreachable(
            f"package index unreachable ({url}: {error}). The image's installs cannot be "
            "proven without one: run this where PyPI answers, or set PIP_INDEX_URL to a "
            "mirror of it."
        ) from error


@cache
def files(name: str, index: str) -> tuple[dict, ...]:
    """The project's files as the index lists them: filename, requires-python, yanked, ..."""
    page = f"{index}/{canonicalize_name(name)}/"
    try:
        body = fetch(page, SIMPLE_JSON)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return ()
        raise IndexUnreachable(f"{index} answered {error.code} for {name}") from error
    return tuple({**file, "url": urljoin(page, file["url"])} for file in json.loads(body)["files"])


def installed_requirements(name: str, version: Version) -> list[Requirement] | None:
    """The same release installed beside the tests (requirements-dev.txt pins them all)."""
    try:
        distribution = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if Version(distribution.version).public != version.public:
        return None
    return [Requirement(line) for line in distribution.requires or []]


def warehouse_requirements(name: str, version: Version, index: str) -> list[Requirement] | None:
    """PyPI's JSON API: per release, or the latest release's, if that is the one chosen."""
    if not index.endswith("/simple"):
        return None
    root = f"{index.removesuffix('/simple')}/pypi/{canonicalize_name(name)}"
    for url in (f"{root}/{version}/json", f"{root}/json"):
        try:
            info = json.loads(fetch(url, "application/json"))["info"]
        except urllib.error.HTTPError:
            continue
        if Version(info["version"]) == version:
            return [Requirement(line) for line in info.get("requires_dist") or []]
    return None


def requirements(name: str, version: Version, file: dict, index: str) -> list[Requirement]:
    """Requires-Dist of one release, from the cheapest source that has it."""
    found = installed_requirements(name, version)
    if found is None and (file.get("core-metadata") or file.get("data-dist-info-metadata")):
        # PEP 658: the wheel's METADATA file published beside it.
        headers = email.parser.BytesParser().parsebytes(fetch(file["url"] + ".metadata"))
        found = [Requirement(line) for line in headers.get_all("Requires-Dist") or []]
    if found is None:
        found = warehouse_requirements(name, version, index)
    if found is None:
        raise LookupError(f"no metadata for {name}=={version} without downloading its wheel")
    return found
