"""What int8 cost: top-1 and top-5 of the fp32 and int8 models on a labelled holdout set.

EVAL_DIR holds one folder per class, named exactly as the label, with images inside
(subfolders included). Classes without a folder are simply not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from function.inference.preprocess import Preprocessing, to_model_input
from modelbuild.calibration import image_paths, read_image
from modelbuild.errors import ExportError

BATCH_SIZE = 16
DEFAULT_MAX_DROP = 2.0  # percentage points of top-1


def labelled_images(eval_dir: Path, labels: list[str]) -> list[tuple[Path, int]]:
    if not eval_dir.is_dir():
        raise ExportError(f"EVAL_DIR {eval_dir} is not a folder.")
    index = {label: position for position, label in enumerate(labels)}
    folders = sorted(path for path in eval_dir.iterdir() if path.is_dir())
    unknown = [folder.name for folder in folders if folder.name not in index]
    if unknown:
        raise ExportError(
            f"EVAL_DIR {eval_dir}: folders {unknown[:10]} match no label. Name each folder "
            f"exactly as its label, e.g. {labels[:3]}."
        )
    found = [(path, index[folder.name]) for folder in folders for path in image_paths(folder)]
    if not found:
        raise ExportError(f"EVAL_DIR {eval_dir} holds no images in folders named after labels.")
    return found


def _batches(
    found: list[tuple[Path, int]], preprocessing: Preprocessing
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    for start in range(0, len(found), BATCH_SIZE):
        chunk = found[start : start + BATCH_SIZE]
        arrays = [to_model_input(read_image(path), preprocessing) for path, _ in chunk]
        yield torch.from_numpy(np.stack(arrays)), torch.tensor([target for _, target in chunk])


def _percent(hits: int, total: int) -> float:
    return round(100.0 * hits / total, 2)


def evaluate(
    fp32: torch.nn.Module,
    int8: torch.nn.Module,
    eval_dir: Path,
    labels: list[str],
    preprocessing: Preprocessing,
    max_drop: float = DEFAULT_MAX_DROP,
) -> dict[str, Any]:
    """Accuracy of both models and their top-1 agreement, in percent."""
    found = labelled_images(eval_dir, labels)
    k = min(5, len(labels))
    hits = {"fp32_top1": 0, "fp32_top5": 0, "int8_top1": 0, "int8_top5": 0, "agree": 0}
    with torch.inference_mode():
        for batch, targets in _batches(found, preprocessing):
            ranked = {
                name: model(batch).topk(k).indices
                for name, model in (("fp32", fp32.eval()), ("int8", int8))
            }
            for name, top in ranked.items():
                hits[f"{name}_top1"] += int((top[:, 0] == targets).sum())
                hits[f"{name}_top5"] += int((top == targets[:, None]).any(1).sum())
            hits["agree"] += int((ranked["fp32"][:, 0] == ranked["int8"][:, 0]).sum())
    total = len(found)
    result: dict[str, Any] = {
        "images": total,
        "classes": len({target for _, target in found}),
        "fp32": {
            "top1": _percent(hits["fp32_top1"], total),
            "top5": _percent(hits["fp32_top5"], total),
        },
        "int8": {
            "top1": _percent(hits["int8_top1"], total),
            "top5": _percent(hits["int8_top5"], total),
        },
        "top1_agreement": _percent(hits["agree"], total),
        "max_top1_drop": max_drop,
    }
    result["top1_drop"] = round(result["fp32"]["top1"] - result["int8"]["top1"], 2)
    return result


def summary(result: dict[str, Any]) -> str:
    fp32, int8 = result["fp32"], result["int8"]
    return (
        f"evaluation on {result['images']} images ({result['classes']} classes): "
        f"fp32 top-1 {fp32['top1']:.2f}% top-5 {fp32['top5']:.2f}%, "
        f"int8 top-1 {int8['top1']:.2f}% top-5 {int8['top5']:.2f}%, "
        f"top-1 agreement {result['top1_agreement']:.2f}%, top-1 drop "
        f"{result['top1_drop']:.2f} points (limit {result['max_top1_drop']:g})"
    )


def check_drop(result: dict[str, Any]) -> None:
    if result["top1_drop"] > result["max_top1_drop"]:
        raise ExportError(
            f"int8 quantization lost too much accuracy: {summary(result)}. Calibrate on more "
            "representative images (CALIBRATION_DIR), try another QUANT_BACKEND, or raise "
            "MAX_ACCURACY_DROP if the loss is acceptable."
        )
