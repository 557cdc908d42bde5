"""A small real classifier, trained here in seconds: the offline proof that a custom model
goes through the build and the service and keeps its accuracy in int8.

Five visually distinct classes drawn with Pillow (colour, shape and texture differ), each
image with its own position, size, background and noise. The model is a ResNet-18 with
random-init convolutions, BatchNorm statistics re-estimated on the training images, and
only the final layer trained: random convolutional features are enough for such classes,
and training one linear layer on them takes well under a second on a CPU.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from function.inference.preprocess import Preprocessing, to_model_input
from modelbuild.architectures import ARCHITECTURES
from modelbuild.weights import reestimate_batchnorm

# Deliberately not ImageNet's: the runtime must follow metadata.json.
PREPROCESSING = Preprocessing(resize=112, crop=96, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
Draw = Callable[[ImageDraw.ImageDraw, tuple[int, int, int, int], np.random.Generator], None]


def _jitter(rng: np.random.Generator, colour: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(int(np.clip(c + rng.integers(-30, 31), 0, 255)) for c in colour)  # type: ignore[return-value]


def _disc(draw, box, rng) -> None:
    draw.ellipse(box, fill=_jitter(rng, (220, 30, 30)))


def _square(draw, box, rng) -> None:
    draw.rectangle(box, fill=_jitter(rng, (30, 60, 220)))


def _triangle(draw, box, rng) -> None:
    x0, y0, x1, y1 = box
    draw.polygon([((x0 + x1) // 2, y0), (x1, y1), (x0, y1)], fill=_jitter(rng, (235, 210, 20)))


def _stripes(draw, box, rng) -> None:
    x0, y0, x1, y1 = box
    colour, step = _jitter(rng, (30, 170, 40)), int(rng.integers(4, 9))
    for y in range(y0, y1, 2 * step):
        draw.rectangle((x0, y, x1, min(y + step, y1)), fill=colour)


def _checkerboard(draw, box, rng) -> None:
    x0, y0, x1, y1 = box
    step = int(rng.integers(5, 11))
    for row, y in enumerate(range(y0, y1, step)):
        for column, x in enumerate(range(x0, x1, step)):
            shade = 20 if (row + column) % 2 else 235
            draw.rectangle((x, y, x + step - 1, y + step - 1), fill=(shade, shade, shade))


CLASSES: dict[str, Draw] = {
    "red disc": _disc,
    "blue square": _square,
    "yellow triangle": _triangle,
    "green stripes": _stripes,
    "checkerboard": _checkerboard,
}
LABELS = list(CLASSES)


def draw_example(label: str, rng: np.random.Generator) -> Image.Image:
    width, height = int(rng.integers(90, 161)), int(rng.integers(90, 161))
    grey = int(rng.integers(90, 200))
    pixels = rng.normal(grey, 12, (height, width, 3))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    side = int(rng.uniform(0.45, 0.8) * min(width, height))
    left, top = int(rng.integers(0, width - side + 1)), int(rng.integers(0, height - side + 1))
    CLASSES[label](ImageDraw.Draw(image), (left, top, left + side, top + side), rng)
    return image


def examples(per_class: int, seed: int) -> list[tuple[Image.Image, int]]:
    rng = np.random.default_rng(seed)
    return [
        (draw_example(label, rng), target)
        for _ in range(per_class)
        for target, label in enumerate(LABELS)
    ]


def write_folders(root: Path, items: list[tuple[Image.Image, int]], by_label: bool) -> Path:
    """PNG files, in one folder per label (EVAL_DIR's layout) or all in root."""
    for number, (image, target) in enumerate(items):
        folder = root / LABELS[target] if by_label else root
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / f"{number:04d}.png")
    return root


def _inputs(items: list[tuple[Image.Image, int]]) -> tuple[torch.Tensor, torch.Tensor]:
    arrays = np.stack([to_model_input(image, PREPROCESSING) for image, _ in items])
    return torch.from_numpy(arrays), torch.tensor([target for _, target in items])


def train(items: list[tuple[Image.Image, int]], seed: int = 0, steps: int = 300) -> torch.nn.Module:
    """A ResNet-18 fp32 classifier with only its head trained, as a plain torchvision model."""
    torch.manual_seed(seed)
    model = ARCHITECTURES["resnet18"].float_model(len(LABELS))
    inputs, targets = _inputs(items)
    reestimate_batchnorm(model, list(inputs.split(32)))
    head, model.fc = model.fc, torch.nn.Identity()
    with torch.no_grad():
        features = model(inputs)
    model.fc = head
    optimiser = torch.optim.Adam(head.parameters(), lr=0.01)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(features), targets)
        loss.backward()
        optimiser.step()
    return model.eval()


def accuracy(model: torch.nn.Module, items: list[tuple[Image.Image, int]]) -> float:
    inputs, targets = _inputs(items)
    with torch.inference_mode():
        return float((model(inputs).argmax(1) == targets).float().mean())
