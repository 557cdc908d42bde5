"""The local stack, started once for the CLI tests (tests/client/local_stack.py).

The client under test is this checkout's client/src, ahead of whichever checkout the shared
virtualenv's editable install points at (cli_stack.cli_env does the same for the subprocess).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_stack import REPO, LocalStack, running_stack

CLIENT_SRC = REPO / "client" / "src"
if str(CLIENT_SRC) not in sys.path:
    sys.path.insert(0, str(CLIENT_SRC))


@pytest.fixture(scope="session")
def local_stack(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(model_dir, tmp_path_factory.mktemp("local-stack") / "stack.log") as stack:
        yield stack
