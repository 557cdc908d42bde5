"""SnapStart hooks: registered with Lambda's library, run in Lambda's order, and leaving no
state from before the snapshot that restored environments would share.

Runs with the real snapshot_restore_py where it is installed (requirements-dev.txt) and with
a stand-in module of the same API otherwise (the Python 3.12+ run of `make test`).
"""

from __future__ import annotations

import random
import sys
import types
import uuid

import numpy as np
import pytest

from function import snapstart
from function.inference import classifier as classifier_module
from function.inference.model_thread import available_cpus
from function.shared.observability import request_id_for
from function.shared.settings import get_settings


class FakeClassifier:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def warm_up(self) -> None:
        self.calls.append("warm_up")

    def set_threads(self, threads: int) -> None:
        self.calls.append(f"set_threads({threads})")


def stand_in_library() -> types.ModuleType:
    """The two registration functions of snapshot_restore_py, with their registries."""
    module = types.ModuleType("snapshot_restore_py")
    module.before, module.after = [], []
    module.register_before_snapshot = lambda f, *a, **k: module.before.append(f) or f
    module.register_after_restore = lambda f, *a, **k: module.after.append(f) or f
    return module


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    recorded: list[str] = []
    monkeypatch.setattr(classifier_module, "get_classifier", lambda: FakeClassifier(recorded))
    return recorded


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = stand_in_library()
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return module


def simulate_snapshot_and_restore(library: types.ModuleType) -> None:
    """What Lambda does: before-snapshot hooks in reverse order of registration, then, in
    each restored environment, after-restore hooks in order of registration."""
    for hook in reversed(library.before):
        hook()
    for hook in library.after:
        hook()


def test_hooks_are_registered_and_run_in_order(library, calls, monkeypatch) -> None:
    monkeypatch.delenv("TORCH_THREADS", raising=False)
    get_settings.cache_clear()
    assert snapstart.register()
    assert library.before == [snapstart.before_snapshot]
    assert library.after == [snapstart.after_restore]
    simulate_snapshot_and_restore(library)
    assert calls == ["warm_up", f"set_threads({available_cpus()})"]


def test_restore_honours_torch_threads(library, calls, monkeypatch) -> None:
    monkeypatch.setenv("TORCH_THREADS", "3")
    get_settings.cache_clear()
    try:
        snapstart.register()
        simulate_snapshot_and_restore(library)
    finally:
        get_settings.cache_clear()
    assert calls[-1] == "set_threads(3)"


def test_without_the_library_nothing_is_registered(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails
    assert snapstart.register() is False


def test_the_real_library_receives_the_hooks(monkeypatch) -> None:
    real = pytest.importorskip("snapshot_restore_py")
    if not hasattr(real, "get_before_snapshot"):
        pytest.skip("a stand-in, not the real library")
    monkeypatch.setattr(real, "_before_snapshot_registry", [])
    monkeypatch.setattr(real, "_after_restore_registry", [])
    assert snapstart.register()
    assert [entry[0] for entry in real.get_before_snapshot()] == [snapstart.before_snapshot]
    assert [entry[0] for entry in real.get_after_restore()] == [snapstart.after_restore]


def test_restored_environments_do_not_share_random_state() -> None:
    """Two restores of one snapshot start with the same generator states; after the hook
    they draw different numbers."""
    snapshot_state, numpy_state = random.getstate(), np.random.get_state()
    draws = []
    for _ in range(2):
        random.setstate(snapshot_state)
        np.random.set_state(numpy_state)
        snapstart.reseed_random_generators()
        draws.append((random.getrandbits(64), int(np.random.randint(2**62))))
    assert draws[0][0] != draws[1][0]
    assert draws[0][1] != draws[1][1]


def test_generated_request_ids_never_come_from_snapshotted_state() -> None:
    """A request without an ID of its own gets uuid4, which reads os.urandom on every call
    and never the `random` module's state: the same restored state still gives new IDs."""
    state = random.getstate()
    ids = []
    for _ in range(2):
        random.setstate(state)
        ids.append(request_id_for({"headers": []}))
    assert ids[0] != ids[1]
    assert all(uuid.UUID(value).version == 4 for value in ids)
