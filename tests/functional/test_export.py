"""The build's failure modes: each one a single clear message, never a traceback."""

from __future__ import annotations

import urllib.error
from pathlib import Path

import pytest
import torch
from torchvision.models import ResNet18_Weights
from torchvision.models.quantization import ResNet18_QuantizedWeights

from modelbuild import export


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """What torchvision's download does on a machine without network, even on one with it."""

    def no_network(*args, **kwargs):
        raise urllib.error.URLError("[Errno -2] Name or service not known")

    for weights in (ResNet18_QuantizedWeights.IMAGENET1K_FBGEMM_V1, ResNet18_Weights.IMAGENET1K_V1):
        monkeypatch.setattr(type(weights), "get_state_dict", no_network)


@pytest.mark.parametrize("backend", ["x86", "fbgemm", "qnnpack"])
def test_imagenet_without_network_names_the_alternatives(offline, tmp_path, capsys, backend):
    args = ["--out", str(tmp_path), "--weights", "imagenet", "--backend", backend]
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
    assert "holds no images in a supported format" in error
    assert "AVIF" in error


def test_state_dict_with_calibration_folder_builds(tmp_path: Path) -> None:
    """The air-gapped path: a local fp32 state_dict plus a folder of photos."""
    from photos import PHOTOS, photo_bytes
    from torchvision.models import resnet18

    torch.manual_seed(1)
    weights = tmp_path / "resnet18.pt"
    torch.save(resnet18(weights=None).state_dict(), weights)
    photos = tmp_path / "calibration"
    photos.mkdir()
    for name in PHOTOS:
        (photos / f"{name}.jpg").write_bytes(photo_bytes(name))
    metadata = export.export(tmp_path / "model", str(weights), "x86", photos)
    assert metadata["weights"] == "path"
    assert metadata["production_ready"] is True
    assert (tmp_path / "model" / "model.pt").stat().st_size > 5_000_000
