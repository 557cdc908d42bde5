"""Static int8 post-training quantization of the quantizable ResNets (build time only)."""

from __future__ import annotations

import platform
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.ao import quantization as tq

BACKENDS = ("fbgemm", "x86", "qnnpack")


@contextmanager
def quiet_torch_deprecations() -> Iterator[None]:
    """torch 2.14 flags eager-mode quantization and TorchScript as deprecated. Both still work
    and are what the runtime loads without torchvision; hundreds of lines of these warnings
    would bury the build's real output."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*reduce_range will be deprecated.*")
        warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
        yield


def default_backend() -> str:
    """PyTorch's "x86" engine picks FBGEMM or oneDNN kernels per operator: measured 2.6x
    faster than plain fbgemm on this project's benchmark machine (docs/BENCHMARKS.md)."""
    return "qnnpack" if platform.machine().lower() in ("arm64", "aarch64") else "x86"


def quantize(model: torch.nn.Module, backend: str, batches: list[torch.Tensor]) -> torch.nn.Module:
    """Static post-training quantization: fuse conv+bn+relu, observe activations, convert."""
    torch.backends.quantized.engine = backend
    with quiet_torch_deprecations():
        model.eval()
        model.fuse_model()
        model.qconfig = tq.get_default_qconfig(backend)
        tq.prepare(model, inplace=True)
        with torch.inference_mode():
            for batch in batches:
                model(batch)
        return tq.convert(model, inplace=True)
