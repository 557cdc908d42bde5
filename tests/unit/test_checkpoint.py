"""Reading a user's checkpoint: wrappers, prefixes, refusals, and mismatch messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from modelbuild.architectures import ARCHITECTURES
from modelbuild.checkpoint import guess_architecture, load_into, num_classes, read_state_dict
from modelbuild.errors import ExportError


@pytest.fixture(scope="module")
def resnet18_state() -> dict[str, torch.Tensor]:
    return ARCHITECTURES["resnet18"].float_model(7).state_dict()


def saved(tmp_path: Path, value: object) -> Path:
    path = tmp_path / "ckpt.pt"
    torch.save(value, path)
    return path


@pytest.mark.parametrize(
    "wrap",
    [
        lambda state: state,
        lambda state: {"state_dict": state, "epoch": 12, "optimizer_name": "sgd"},
        lambda state: {"model": state, "args": {"lr": 0.1}},
        lambda state: {"model": {"state_dict": state}},
        lambda state: {f"module.{key}": value for key, value in state.items()},
        lambda state: {"state_dict": {f"module.{key}": value for key, value in state.items()}},
    ],
    ids=["plain", "state_dict", "model", "nested", "DataParallel", "wrapped DataParallel"],
)
def test_common_wrappers_load(tmp_path, resnet18_state, wrap) -> None:
    state = read_state_dict(saved(tmp_path, wrap(resnet18_state)))
    assert list(state) == list(resnet18_state)
    assert num_classes(state) == 7
    model = ARCHITECTURES["resnet18"].float_model(7)
    load_into(model, state, "resnet18")
    torch.testing.assert_close(model.fc.weight, resnet18_state["fc.weight"])


def test_a_whole_pickled_module_is_refused(tmp_path) -> None:
    with pytest.raises(ExportError, match=r"torch\.save\(model\) is refused too"):
        read_state_dict(saved(tmp_path, torch.nn.Linear(3, 2)))


def test_code_in_the_pickle_never_runs(tmp_path) -> None:
    marker = tmp_path / "ran"

    class Trap:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    with pytest.raises(ExportError, match="It was not executed"):
        read_state_dict(saved(tmp_path, {"fc.weight": Trap()}))
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"epoch": 3, "best": 0.9}, r"neither a state_dict .* its keys are \['best', 'epoch'\]"),
        ([torch.zeros(2)], "holds a list, not a state_dict"),
        ({}, "holds an empty dict: no weights"),
        ({"state_dict": {}}, "holds an empty dict: no weights"),
    ],
)
def test_containers_without_weights_say_what_they_hold(tmp_path, content, message) -> None:
    with pytest.raises(ExportError, match=message):
        read_state_dict(saved(tmp_path, content))


def test_a_file_torch_did_not_write(tmp_path) -> None:
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ExportError, match=r"is not a file written by torch\.save"):
        read_state_dict(path)


def test_a_state_dict_without_a_resnet_head(tmp_path) -> None:
    with pytest.raises(ExportError, match=r"no 2-D fc\.weight"):
        num_classes({"classifier.weight": torch.zeros(3, 4)})


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_the_architecture_is_recognised_from_its_keys(arch) -> None:
    assert guess_architecture(ARCHITECTURES[arch].float_model(3).state_dict()) == arch


def test_a_mismatch_names_keys_and_shapes(resnet18_state) -> None:
    model = ARCHITECTURES["resnet34"].float_model(9)
    with pytest.raises(ExportError) as caught:
        load_into(model, resnet18_state, "resnet34")
    message = str(caught.value)
    assert "does not fit ARCH=resnet34 (it looks like resnet18)" in message
    assert "missing keys: layer1.2.conv1.weight" in message
    assert "shape mismatches: fc.weight: checkpoint (7, 512), resnet34 (9, 512)" in message
    assert "unexpected keys" not in message
