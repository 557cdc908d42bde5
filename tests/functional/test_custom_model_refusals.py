"""What a custom-model build refuses, each with one clear message and no model written."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path

import pytest
import torch
from PIL import Image

from modelbuild import export


def refused(args: list[str], capsys) -> str:
    assert export.main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert "Traceback" not in error
    return error


class RunsCode:
    """Unpickling this calls exec(): what a booby-trapped checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (builtins.exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def test_a_pickle_that_runs_code_is_refused_and_never_run(custom_checkpoint, tmp_path, capsys):
    marker = tmp_path / "code-ran"
    weights = tmp_path / "trap.pt"
    torch.save({"fc.weight": torch.zeros(5, 512), "payload": RunsCode(marker)}, weights)
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--weights": str(weights)})
    error = refused(args, capsys)
    assert "would run code" in error
    assert "GLOBAL exec was not an allowed global" in error
    assert "It was not executed" in error
    assert not marker.exists()
    assert not (tmp_path / "model").exists()


def test_a_checkpoint_of_another_architecture_names_keys_and_shapes(
    custom_checkpoint, tmp_path, capsys
):
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--arch": "resnet50"})
    error = refused(args, capsys)
    assert "does not fit ARCH=resnet50" in error
    assert "looks like resnet18" in error
    assert "missing keys: layer1.0.conv3.weight" in error
    assert "fc.weight: checkpoint (5, 512), resnet50 (5, 2048)" in error


def test_labels_must_match_the_checkpoint_classes(custom_checkpoint, tmp_path, capsys):
    labels = tmp_path / "labels.json"
    labels.write_text('["red disc", "blue square", "yellow triangle", "green stripes"]')
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--labels": str(labels)})
    error = refused(args, capsys)
    assert "has 4 classes, but the checkpoint's final layer (fc.weight) has 5 outputs" in error


def test_a_custom_checkpoint_needs_labels(custom_checkpoint, tmp_path, capsys):
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--labels": ""})
    assert "The checkpoint has 5 classes: name them with LABELS" in refused(args, capsys)


def test_too_few_calibration_images_says_how_many(custom_checkpoint, tmp_path, capsys):
    few = tmp_path / "few"
    few.mkdir()
    for path in sorted(custom_checkpoint.calibration_dir.iterdir())[:7]:
        shutil.copy(path, few)
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--calibration-dir": str(few)})
    assert "holds 7 images" in refused(args, capsys)


def test_a_custom_checkpoint_needs_calibration_images(custom_checkpoint, tmp_path, capsys):
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--calibration-dir": ""})
    assert "needs calibration images: set CALIBRATION_DIR" in refused(args, capsys)


def test_eval_folders_must_be_named_after_labels(custom_checkpoint, tmp_path, capsys):
    holdout = tmp_path / "holdout"
    shutil.copytree(custom_checkpoint.eval_dir, holdout)
    (holdout / "red disc").rename(holdout / "red circle")
    args = custom_checkpoint.build_args(tmp_path / "model", **{"--eval-dir": str(holdout)})
    assert "folders ['red circle'] match no label" in refused(args, capsys)


def test_an_accuracy_drop_beyond_the_limit_fails_the_build(custom_checkpoint, tmp_path, capsys):
    """Observers calibrated on blank images clip every real activation range."""
    blank = tmp_path / "blank"
    blank.mkdir()
    for number in range(16):
        Image.new("RGB", (120, 120), (128, 128, 128)).save(blank / f"{number}.png")
    holdout = tmp_path / "holdout"  # a quarter of the holdout set: the drop is not subtle
    for folder in custom_checkpoint.eval_dir.iterdir():
        (holdout / folder.name).mkdir(parents=True)
        for path in sorted(folder.iterdir())[:5]:
            shutil.copy(path, holdout / folder.name)
    options = {"--calibration-dir": str(blank), "--eval-dir": str(holdout)}
    error = refused(custom_checkpoint.build_args(tmp_path / "model", **options), capsys)
    assert "int8 quantization lost too much accuracy" in error
    assert "evaluation on 25 images (5 classes)" in error
    assert "(limit 2)" in error
    # Far beyond noise on 25 images: the gate's paired test says so (issue 18, item 12).
    assert "McNemar exact p = " in error
    assert "95% interval [" in error
    assert not (tmp_path / "model" / "model.pt").exists()


@pytest.mark.parametrize("option", [["--mean", "0.5,0.5"], ["--crop", "300"]])
def test_impossible_preprocessing_is_refused(custom_checkpoint, tmp_path, capsys, option):
    args = custom_checkpoint.build_args(tmp_path / "model") + option
    if option[0] == "--mean":
        with pytest.raises(SystemExit):  # argparse's own usage error
            export.main(args)
        assert "three comma-separated numbers" in capsys.readouterr().err
    else:
        assert "crop <= resize" in refused(args, capsys)
