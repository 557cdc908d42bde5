"""int8 against fp32 on the same weights, on real photographs.

A freshly initialised ResNet answers almost the same for every input, so a naive top-5
comparison passes whatever happens. The export therefore re-estimates the random model's
BatchNorm statistics (modelbuild.weights.reestimate_batchnorm), which makes its top-1 vary
from photo to photo (asserted below), and the comparison uses the logits *centred over
the batch*: that removes the input-independent part and leaves what the image changed.

Thresholds, from measured runs on 8 photos: centred cosine min 0.967 / 0.970 and mean
0.990 / 0.990 (fbgemm / x86 engine), top-5 overlap mean 4.4, top-1 agreement 8/8 and 6/8.
Top-1 is the weakest signal here: the random model's leading classes are near ties, so
int8 rounding can swap them. The thresholds sit below these and well above the broken
variants in test_the_check_catches_a_broken_pipeline, which measured centred cosine means
of 0.01 (observers calibrated on zeros), 0.08 (no normalisation) and 0.82 (channels
swapped), top-5 overlap means of 0.6 to 2.4 and top-1 agreement of 0 to 3/8.
"""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest
import torch
from fidelity import agreement
from photos import PHOTOS, photo

from function.inference.preprocess import to_model_input
from modelbuild.export import default_backend, float_model, quantize, quiet_torch_deprecations


@pytest.fixture(scope="module")
def models():
    fp32, batches, _ = float_model("random", None, seed=0)
    int8 = quantize(copy.deepcopy(fp32), default_backend(), batches)
    return fp32, int8, batches


@pytest.fixture(scope="module")
def photo_batch() -> torch.Tensor:
    return torch.from_numpy(np.stack([to_model_input(photo(n).convert("RGB")) for n in PHOTOS]))


def test_the_random_model_is_input_sensitive(models, photo_batch) -> None:
    fp32, _, _ = models
    with torch.inference_mode():
        top1 = fp32(photo_batch).argmax(1).tolist()
    assert len(set(top1)) >= 4, f"top-1 barely depends on the photo: {top1}"


def test_int8_agrees_with_fp32(models, photo_batch) -> None:
    fp32, int8, _ = models
    with torch.inference_mode():
        result = agreement(fp32(photo_batch), int8(photo_batch))
    assert result.acceptable(), result


def _zero_calibrated(fp32, int8, batches, photos):
    return quantize(copy.deepcopy(fp32), default_backend(), [torch.zeros_like(batches[0])])(photos)


def _channels_swapped(fp32, int8, batches, photos):
    return int8(photos.flip(1))  # RGB fed as BGR


def _not_normalised(fp32, int8, batches, photos):
    return int8(photos * torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) + 0.45)


@pytest.mark.parametrize("broken", [_zero_calibrated, _channels_swapped, _not_normalised])
def test_the_check_catches_a_broken_pipeline(models, photo_batch, broken) -> None:
    fp32, int8, batches = models
    with torch.inference_mode():
        result = agreement(fp32(photo_batch), broken(fp32, int8, batches, photo_batch))
    assert not result.acceptable(), result


def test_the_shipped_artifact_is_the_model_checked_here(models, photo_batch, model_dir) -> None:
    """model.pt (scripted, frozen, saved, re-loaded) computes what the eager int8 model does."""
    _, int8, _ = models
    shipped = torch.jit.load(str(model_dir / "model.pt"))
    with torch.inference_mode():
        torch.testing.assert_close(shipped(photo_batch), int8(photo_batch), rtol=0, atol=1e-4)


@pytest.fixture(scope="module")
def fbgemm_artifact(models) -> bytes:
    fp32, _, batches = models
    fbgemm_int8 = quantize(copy.deepcopy(fp32), "fbgemm", batches)
    buffer = io.BytesIO()
    with quiet_torch_deprecations():
        torch.jit.save(torch.jit.freeze(torch.jit.script(fbgemm_int8)), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("engine", ["fbgemm", "x86", "qnnpack"])
def test_fbgemm_calibrated_weights_run_on_every_engine(
    models, photo_batch, fbgemm_artifact, engine
) -> None:
    """torchvision's pre-quantized ImageNet weights are calibrated with fbgemm's qconfig;
    the x86 and arm64 (qnnpack) images load them with their own engine, which re-packs
    the weights. Here the same happens to our fbgemm-calibrated random model."""
    fp32 = models[0]
    buffer = io.BytesIO(fbgemm_artifact)
    torch.backends.quantized.engine = engine
    try:
        loaded = torch.jit.load(buffer)
        with torch.inference_mode():
            result = agreement(fp32(photo_batch), loaded(photo_batch))
    finally:
        torch.backends.quantized.engine = default_backend()
    assert result.acceptable(), result
