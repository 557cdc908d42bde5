"""Reading a user's fine-tuned ResNet checkpoint, safely, and fitting it to an architecture."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import torch

from modelbuild.errors import ExportError

# Keys under which training scripts commonly nest the weights (Lightning, timm, ours).
WRAPPER_KEYS = ("state_dict", "model")
# Prefixes added by torch.nn.DataParallel / DistributedDataParallel and by torch.compile.
PREFIXES = ("module.", "_orig_mod.")
SAVE_HINT = "Save the weights alone with `torch.save(model.state_dict(), path)`."
SHOWN = 8


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """Tensors by name, unwrapped. Never unpickles anything but tensors and plain containers."""
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # torch's message is long; the line naming the refused global is the useful part.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        refused = [line.split(". Please")[0] for line in lines if "global" in line.lower()]
        if not refused:  # not a safety refusal: a corrupt or foreign file
            boilerplate = ("Weights only load failed", "Please file", "Check the documentation")
            detail = next((line for line in lines if not line.startswith(boilerplate)), "")
            raise ExportError(f"{path} is not a file written by torch.save ({detail}).") from None
        raise ExportError(
            f"Refused to load {path}: it is a pickle that would run code or build objects "
            f"other than tensors ({refused[-1]}). It was not executed. A whole model saved "
            f"with torch.save(model) is refused too. {SAVE_HINT}"
        ) from None
    except Exception as exc:  # torch raises KeyError, RuntimeError, EOFError... on junk
        raise ExportError(f"{path} is not a file written by torch.save ({exc!r}).") from None
    return unwrap(loaded, path)


def unwrap(loaded: object, path: Path) -> dict[str, torch.Tensor]:
    """Accept {"state_dict": ...} and {"model": ...} wrappers and DataParallel's prefixes."""
    while isinstance(loaded, dict) and loaded and not _all_tensors(loaded):
        inner = next(
            (loaded[key] for key in WRAPPER_KEYS if isinstance(loaded.get(key), dict)), None
        )
        if inner is None:
            raise ExportError(
                f"{path} holds a dict, but neither a state_dict (names to tensors) nor one "
                f"under {' or '.join(repr(k) for k in WRAPPER_KEYS)}: its keys are "
                f"{sorted(map(str, loaded))[:SHOWN]}. {SAVE_HINT}"
            )
        loaded = inner
    if isinstance(loaded, dict) and not loaded:
        raise ExportError(f"{path} holds an empty dict: no weights. {SAVE_HINT}")
    if not isinstance(loaded, dict):
        raise ExportError(f"{path} holds a {type(loaded).__name__}, not a state_dict. {SAVE_HINT}")
    state = {}
    for name, tensor in loaded.items():
        for prefix in PREFIXES:
            name = name.removeprefix(prefix)
        state[name] = tensor
    return state


def _all_tensors(values: dict) -> bool:
    return bool(values) and all(isinstance(value, torch.Tensor) for value in values.values())


def num_classes(state: dict[str, torch.Tensor]) -> int:
    """The class count a ResNet checkpoint was trained for: the rows of its final layer."""
    head = state.get("fc.weight")
    if head is None or head.dim() != 2:
        raise ExportError(
            "The checkpoint has no 2-D fc.weight, so it is not a torchvision ResNet "
            f"state_dict. Its first keys: {list(state)[:SHOWN]}."
        )
    return int(head.shape[0])


def guess_architecture(state: dict[str, torch.Tensor]) -> str:
    """Which torchvision ResNet has these keys, to suggest the right ARCH."""
    if "layer1.0.conv3.weight" in state:
        return "resnet50" if "layer3.5.conv1.weight" in state else "a bottleneck ResNet"
    return "resnet34" if "layer3.5.conv1.weight" in state else "resnet18"


def load_into(model: torch.nn.Module, state: dict[str, torch.Tensor], arch: str) -> None:
    """Load strictly, or fail with the keys and shapes that do not fit."""
    expected = model.state_dict()
    missing = [key for key in expected if key not in state]
    unexpected = [key for key in state if key not in expected]
    mismatched = [
        f"{key}: checkpoint {tuple(state[key].shape)}, {arch} {tuple(tensor.shape)}"
        for key, tensor in expected.items()
        if key in state and state[key].shape != tensor.shape
    ]
    mismatched.sort(key=lambda line: not line.startswith("fc."))  # the head says the most
    problems = [
        f"{len(found)} {kind}: {'; '.join(found[:SHOWN])}{' ...' if len(found) > SHOWN else ''}"
        for kind, found in (
            ("missing keys", missing),
            ("unexpected keys", unexpected),
            ("shape mismatches", mismatched),
        )
        if found
    ]
    if problems:
        raise ExportError(
            f"The checkpoint does not fit ARCH={arch} (it looks like {guess_architecture(state)}"
            "). " + ". ".join(problems) + "."
        )
    model.load_state_dict(state)
