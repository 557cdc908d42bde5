"""The local stack, started once for the CLI tests (tests/client/local_stack.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from local_stack import LocalStack, running_stack


@pytest.fixture(scope="session")
def local_stack(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(model_dir, tmp_path_factory.mktemp("local-stack") / "stack.log") as stack:
        yield stack
