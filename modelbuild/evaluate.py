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
    """Accuracy of both models and their top-1 agreement, in percent; accuracy_gate judges it."""
    found = labelled_images(eval_dir, labels)
    k = min(5, len(labels))
    hits = dict.fromkeys(
        ("fp32_top1", "fp32_top5", "int8_top1", "int8_top5", "agree", "fp32_only", "int8_only"), 0
    )
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
            # The discordant pairs: what the paired test of the drop reads (accuracy_gate).
            right = {name: top[:, 0] == targets for name, top in ranked.items()}
            hits["fp32_only"] += int((right["fp32"] & ~right["int8"]).sum())
            hits["int8_only"] += int((right["int8"] & ~right["fp32"]).sum())
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
        "discordant": {"fp32_only": hits["fp32_only"], "int8_only": hits["int8_only"]},
        "max_top1_drop": max_drop,
    }
    result["top1_drop"] = round(result["fp32"]["top1"] - result["int8"]["top1"], 2)
    return result
