"""Lambda SnapStart runtime hooks: what to do before the snapshot and after each restore.

With SnapStart, Lambda runs init once per published version, snapshots the process, and
starts new execution environments from copies of that snapshot. So:

- Before the snapshot: the model must be loaded and warmed (function.handler does that at
  import; the hook makes sure of it), so every restore starts ready to serve.
- After each restore: the CPUs may differ from those at snapshot time; inference threads are
  set from the CPUs this copy actually has. Random state copied from the snapshot is re-drawn
  from the kernel, so no two restored environments share it. Why each source of randomness
  is safe is written down in docs/SNAPSTART.md.

`snapshot_restore_py` ships with Lambda's Python 3.12+ runtimes and base images; where it is
absent (local runs, Python 3.11) no hook is registered and nothing changes.
"""

from __future__ import annotations

import random
import sys

from function.inference.model_thread import available_cpus
from function.shared.settings import get_settings


def inference_threads() -> int:
    """TORCH_THREADS if set (it applies to both backends), else every CPU we may run on."""
    return get_settings().torch_threads or available_cpus()


def before_snapshot() -> None:
    from function.inference.classifier import get_classifier

    get_classifier().warm_up()


def after_restore() -> None:
    from function.inference.classifier import get_classifier

    get_classifier().set_threads(inference_threads())
    reseed_random_generators()


def reseed_random_generators() -> None:
    """Re-draw the state of the seeded generators from os.urandom, which the kernel reseeds
    on restore. Nothing in a request draws from them today; a library might, cheaply fixed."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def register() -> bool:
    """Register the hooks with Lambda's runtime; False where there is no such runtime.

    Lambda runs before-snapshot hooks in reverse order of registration and after-restore
    hooks in order; these are the only ones, so their order among others does not matter.
    """
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True
