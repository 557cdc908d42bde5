"""The golden set the pre-traffic hook replays: a few images and the fp32 model's answers.

Candidates (modelbuild/golden_candidates.py) are the evaluation photos when given, else the
calibration photos, else seeded synthetic scenes (random weights, offline builds). Each is
stored as the JPEG the hook will send, and scored from those very bytes, decoded and
preprocessed as the service does.

Only decisive images are kept (`decisive`): int8 must agree with fp32 on the top-1, and the
top-1's lead over the runner-up, in both models, must be SAFETY times what int8 moved fp32's
leading log-probabilities on that very image. Near-ties are left out because they can flip
legitimately: another int8 engine on another CPU (x86 builds, arm64 runs qnnpack) rounds onto
the same grid but differently. The hook then demands 100% agreement on what is left.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from function.deploy.golden_set import FORMAT_VERSION, GOLDEN_DIR, GOLDEN_JSON
from function.inference.preprocess import Preprocessing
from modelbuild.errors import ExportError
from modelbuild.golden_candidates import as_jpeg, candidates, model_input

GOLDEN_COUNT = 8
SAFETY = 3.0
MIN_MARGIN = 0.01  # nats: an int8 tie (a zero lead) is never decisive, however small the drift
TOP = 5


def _log_softmax(model: Any, batch: torch.Tensor) -> np.ndarray:
    with torch.inference_mode():
        logits = torch.as_tensor(model(batch)).double()
    return torch.log_softmax(logits, dim=1).numpy()


def _top(log_probs: np.ndarray, labels: list[str]) -> list[dict[str, Any]]:
    order = np.argsort(-log_probs, kind="stable")[: min(TOP, len(labels))]
    return [
        {"index": int(i), "label": labels[i], "probability": round(float(np.exp(log_probs[i])), 6)}
        for i in order
    ]


def score(
    jpegs: list[bytes], fp32: Any, int8: Any, labels: list[str], preprocessing: Preprocessing
) -> list[dict[str, Any]]:
    """One entry per image: fp32 and int8 top-5, fp32's margin, and whether both agree."""
    batch = torch.from_numpy(np.stack([model_input(data, preprocessing) for data in jpegs]))
    fp32_logp, int8_logp = _log_softmax(fp32.eval(), batch), _log_softmax(int8, batch)
    entries = []
    for data, full, quantized in zip(jpegs, fp32_logp, int8_logp, strict=True):
        fp32_top, int8_top = _top(full, labels), _top(quantized, labels)
        leading = [entry["index"] for entry in fp32_top]
        entries.append(
            {
                "data": data,
                "expected": {"index": fp32_top[0]["index"], "label": fp32_top[0]["label"]},
                "margin": _lead(full),
                "int8_margin": _lead(quantized),
                "drift": round(float(np.abs(quantized[leading] - full[leading]).max()), 4),
                "agree": fp32_top[0]["index"] == int8_top[0]["index"],
                "fp32": fp32_top,
                "int8": int8_top,
            }
        )
    return entries


def _lead(log_probs: np.ndarray) -> float:
    """Nats between the top-1 and the runner-up."""
    first, second = np.sort(log_probs)[::-1][:2]
    return round(float(first - second), 4)


def decisive(entry: dict[str, Any]) -> bool:
    lead = min(entry["margin"], entry["int8_margin"])
    return bool(entry["agree"]) and lead >= max(MIN_MARGIN, SAFETY * entry["drift"])


def choose(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The most decisive images, one per class first: a label file in the wrong order moves
    more classes than one image could show."""
    kept = sorted((e for e in entries if decisive(e)), key=lambda e: -e["margin"])
    chosen: list[dict[str, Any]] = []
    for entry in kept:
        if entry["expected"]["index"] not in {c["expected"]["index"] for c in chosen}:
            chosen.append(entry)
    chosen += [e for e in kept if e not in chosen]
    return chosen[:GOLDEN_COUNT]


def record(
    out_dir: Path,
    fp32: Any,
    int8: Any,
    labels: list[str],
    preprocessing: Preprocessing,
    metadata: dict[str, Any],
    sources: tuple[Path | None, Path | None, int],
) -> dict[str, Any]:
    """Write golden.json and golden/NN.jpg into out_dir; returns what golden.json holds.

    sources: (eval_dir, calibration_dir, seed), the build's own inputs.
    """
    eval_dir, calibration_dir, seed = sources
    origin, images = candidates(eval_dir, calibration_dir, labels, seed)
    jpegs = [as_jpeg(image, preprocessing.resize) for image in images]
    chosen = choose(score(jpegs, fp32, int8, labels, preprocessing))
    if not chosen:
        raise ExportError(
            f"No golden image: none of the {len(jpegs)} {origin} images gets the same top-1 "
            f"from fp32 and int8 with a lead of {SAFETY:g} times int8's drift. The int8 model "
            "disagrees with fp32 everywhere: check the calibration photos and QUANT_BACKEND."
        )
    folder = out_dir / GOLDEN_DIR
    shutil.rmtree(folder, ignore_errors=True)  # a rebuild never keeps a stale image
    folder.mkdir(parents=True)
    listed = []
    for number, entry in enumerate(chosen):
        name = f"{number:02d}.jpg"
        (folder / name).write_bytes(entry["data"])
        sha = hashlib.sha256(entry["data"]).hexdigest()
        kept = {k: v for k, v in entry.items() if k not in ("data", "agree")}
        listed.append({"file": f"{GOLDEN_DIR}/{name}", "sha256": sha, **kept})
    golden = {
        "format": FORMAT_VERSION,
        "model_version": metadata["sha256"][:12],
        "model_sha256": metadata["sha256"],
        "num_classes": len(labels),
        "source": origin,
        "candidates": len(jpegs),
        "rule": f"fp32 and int8 agree; both leads >= max({MIN_MARGIN}, {SAFETY:g} x drift)",
        "images": listed,
    }
    text = json.dumps(golden, indent=1, ensure_ascii=False) + "\n"
    (out_dir / GOLDEN_JSON).write_text(text, encoding="utf-8")
    return golden
