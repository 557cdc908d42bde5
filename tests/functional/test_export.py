"""The build's failure modes: each one a single clear message, never a traceback."""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import pytest
import torch

from modelbuild import export
from modelbuild.architectures import ARCHITECTURES


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What torchvision's download does on a machine without network, even on one with it."""

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    for arch in ARCHITECTURES.values():
        for weights in (arch.imagenet_int8, arch.imagenet_fp32):
            if weights is not None:
                monkeypatch.setattr(type(weights), "get_state_dict", no_network)


@pytest.mark.parametrize(
    ("arch", "backend"),
    [("resnet18", "x86"), ("resnet18", "fbgemm"), ("resnet18", "qnnpack"), ("resnet50", "x86")],
)
def test_imagenet_without_network_names_the_alternatives(offline, tmp_path, capsys, arch, backend):
    args = ["--out", str(tmp_path), "--weights", "imagenet", "--backend", backend, "--arch", arch]
    assert export.main(args) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: Could not download")
    assert "WEIGHTS=random" in error
    assert "CALIBRATION_DIR" in error
    assert "Traceback" not in error
    assert not (tmp_path / "model.pt").exists()


def test_state_dict_without_calibration_images_fails_and_says_why(tmp_path, capsys) -> None:
    weights = tmp_path / "resnet18.pt"
    torch.save(torch.nn.Module().state_dict(), weights)
    assert export.main(["--out", str(tmp_path / "m"), "--weights", str(weights)]) == 2
    assert "CALIBRATION_DIR" in capsys.readouterr().err


def test_imagenet_resnet34_is_calibrated_here(offline, tmp_path, capsys) -> None:
    """torchvision publishes no int8 ResNet-34: its fp32 weights need calibration images."""
    args = ["--out", str(tmp_path), "--weights", "imagenet", "--arch", "resnet34"]
    assert export.main(args) == 2
    assert "needs calibration images: set CALIBRATION_DIR" in capsys.readouterr().err


def test_unknown_weights_value(tmp_path, capsys) -> None:
    assert export.main(["--out", str(tmp_path), "--weights", "imagenet21k"]) == 2
    assert "neither 'imagenet', 'random' nor a file" in capsys.readouterr().err


def test_empty_calibration_folder(tmp_path, capsys) -> None:
    (tmp_path / "photos").mkdir()
    args = [
        "--out",
        str(tmp_path),
        "--weights",
        "random",
        "--calibration-dir",
        str(tmp_path / "photos"),
    ]
    assert export.main(args) == 2
    error = capsys.readouterr().err
    assert "holds 0 images in a supported format" in error
    assert "AVIF" in error


def test_state_dict_with_calibration_folder_builds(tmp_path: Path) -> None:
    """The air-gapped path: a local fp32 state_dict plus a folder of photos."""
    from photos import PHOTOS, encode, photo, photo_bytes
    from PIL import ImageOps
    from torchvision.models import resnet18

    torch.manual_seed(1)
    weights = tmp_path / "resnet18.pt"
    torch.save(resnet18(weights=None).state_dict(), weights)
    photos = tmp_path / "calibration"
    photos.mkdir()
    for name in PHOTOS:  # each photo and its mirror image: the 16 images the build needs
        (photos / f"{name}.jpg").write_bytes(photo_bytes(name))
        mirrored = ImageOps.mirror(photo(name))
        (photos / f"{name}-mirrored.jpg").write_bytes(encode(mirrored))
    metadata = export.export(tmp_path / "model", str(weights), "x86", photos)
    assert metadata["weights"] == "path"
    assert metadata["calibration_images"] == 16
    assert metadata["production_ready"] is True
    assert (tmp_path / "model" / "model.pt").stat().st_size > 5_000_000


def test_random_weights_take_their_class_count_from_the_labels(tmp_path: Path) -> None:
    """Offline smoke builds of a custom service: random weights, your labels and input size."""
    labels = tmp_path / "labels.txt"
    labels.write_text("défaut\nrayure\nsans défaut\n", encoding="utf-8")
    args = ["--out", str(tmp_path / "m"), "--weights", "random", "--labels", str(labels)]
    assert export.main([*args, "--resize", "72", "--crop", "64"]) == 0
    metadata = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert metadata["num_classes"] == 3
    assert metadata["labels_source"] == "labels.txt"
    assert metadata["preprocessing"]["crop"] == 64
    assert metadata["production_ready"] is False
    saved = json.loads((tmp_path / "m" / "labels.json").read_bytes())
    assert saved == ["défaut", "rayure", "sans défaut"]


def test_an_unknown_model_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(export.ExportError, match="FORMAT must be one of torchscript, onnx"):
        export.export(tmp_path, "random", "x86", None, model_format="tflite")


def test_onnx_with_imagenet_weights_needs_calibration_photos(tmp_path, capsys) -> None:
    """torchvision's int8 model has no ONNX counterpart: the fp32 weights are calibrated
    here, and synthetic scenes are no calibration for production. Refused before any
    download."""
    args = ["--out", str(tmp_path), "--weights", "imagenet", "--format", "onnx"]
    assert export.main(args) == 2
    assert "CALIBRATION_DIR" in capsys.readouterr().err
    assert not (tmp_path / "model.onnx").exists()
