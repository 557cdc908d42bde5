"""The ResNets the build can quantize: torchvision's quantizable variants, and their
ImageNet weights. They all fuse (conv+bn+relu) and quantize the same way."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torchvision.models import (
    ResNet18_Weights,
    ResNet34_Weights,
    ResNet50_Weights,
    WeightsEnum,
)
from torchvision.models.quantization import (
    ResNet18_QuantizedWeights,
    ResNet50_QuantizedWeights,
)
from torchvision.models.quantization.resnet import (
    QuantizableBasicBlock,
    QuantizableBottleneck,
    QuantizableResNet,
)

from modelbuild.errors import ExportError


@dataclass(frozen=True)
class Architecture:
    name: str
    block: type[torch.nn.Module]
    layers: tuple[int, int, int, int]
    imagenet_fp32: WeightsEnum
    # torchvision's own int8 ImageNet weights, where it publishes them (not for ResNet-34).
    imagenet_int8: WeightsEnum | None

    def float_model(self, num_classes: int) -> QuantizableResNet:
        """A randomly initialised fp32 model, with the quantization stubs in place."""
        return QuantizableResNet(self.block, list(self.layers), num_classes=num_classes).eval()


ARCHITECTURES = {
    arch.name: arch
    for arch in (
        Architecture(
            "resnet18",
            QuantizableBasicBlock,
            (2, 2, 2, 2),
            ResNet18_Weights.IMAGENET1K_V1,
            ResNet18_QuantizedWeights.IMAGENET1K_FBGEMM_V1,
        ),
        Architecture(
            "resnet34", QuantizableBasicBlock, (3, 4, 6, 3), ResNet34_Weights.IMAGENET1K_V1, None
        ),
        # The int8 weights were quantized from IMAGENET1K_V2, so the fp32 fallback uses V2 too.
        Architecture(
            "resnet50",
            QuantizableBottleneck,
            (3, 4, 6, 3),
            ResNet50_Weights.IMAGENET1K_V2,
            ResNet50_QuantizedWeights.IMAGENET1K_FBGEMM_V2,
        ),
    )
}


def architecture(name: str) -> Architecture:
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ExportError(
            f"ARCH must be one of {', '.join(ARCHITECTURES)}, not {name!r}."
        ) from None


def imagenet_labels() -> list[str]:
    """The 1000 ImageNet class names, as torchvision's weight metadata lists them."""
    return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
