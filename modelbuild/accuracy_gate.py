"""Whether int8 lost too much top-1 accuracy, judged with the drop's uncertainty.

fp32 and int8 see the same images, so the comparison is paired: only the images where
exactly one of them is right (the discordant pairs) carry information about the drop.
McNemar's exact test asks whether int8 is wrong-where-fp32-is-right more often than the
reverse; on 48 images one such flip is a 2.08-point drop and a p-value of 0.5, on 5,000
images 104 flips against none are certain. The build fails only when the drop is over the
limit and significant; over the limit but not significant, it warns and still builds.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

from modelbuild.errors import ExportError

SIGNIFICANCE = 0.05
CONFIDENCE = 0.95


def mcnemar_exact_p(fp32_only: int, int8_only: int) -> float:
    """One-sided exact p-value that int8 is worse: P(X >= fp32_only), X ~ Bin(n, 1/2),
    n the discordant pairs. Summed in log space so that large sets neither overflow nor
    underflow to a wrong 0."""
    pairs = fp32_only + int8_only
    if fp32_only == 0:
        return 1.0
    logs = [
        math.lgamma(pairs + 1) - math.lgamma(k + 1) - math.lgamma(pairs - k + 1)
        for k in range(fp32_only, pairs + 1)
    ]
    peak = max(logs)
    log_p = peak + math.log(sum(math.exp(value - peak) for value in logs)) - pairs * math.log(2)
    return min(1.0, math.exp(log_p))


def drop_interval(images: int, fp32_only: int, int8_only: int) -> tuple[float, float]:
    """95% interval on the paired top-1 drop, in points: Agresti and Min's Wald interval with
    half an image added to each cell of the 2x2 table, which keeps it honest when there are
    few or no discordant pairs (a plain Wald interval collapses to a single point there)."""
    n = images + 2
    b, c = fp32_only + 0.5, int8_only + 0.5
    drop = (b - c) / n
    spread = math.sqrt(max((b + c) - (b - c) ** 2 / n, 0.0)) / n
    z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)
    return round(100 * (drop - z * spread), 2), round(100 * (drop + z * spread), 2)


def judge(result: dict[str, Any]) -> dict[str, Any]:
    """The gate's numbers and verdict, added to the evaluation; raises ExportError on a fail."""
    fp32_only, int8_only = result["discordant"]["fp32_only"], result["discordant"]["int8_only"]
    p_value = mcnemar_exact_p(fp32_only, int8_only)
    low, high = drop_interval(result["images"], fp32_only, int8_only)
    over = result["top1_drop"] > result["max_top1_drop"]
    significant = p_value < SIGNIFICANCE
    verdict = "fail" if over and significant else "warn" if over else "pass"
    judged = {
        **result,
        "mcnemar_p": float(f"{p_value:.4g}"),  # four significant digits, even when tiny
        "top1_drop_ci95": [low, high],
        "significance": SIGNIFICANCE,
        "gate": verdict,
    }
    if verdict == "fail":
        raise ExportError(
            f"int8 quantization lost too much accuracy: {summary(judged)}. Calibrate on more "
            "representative images (CALIBRATION_DIR), try another QUANT_BACKEND, or raise "
            "MAX_ACCURACY_DROP if the loss is acceptable."
        )
    return judged


def summary(result: dict[str, Any]) -> str:
    fp32, int8 = result["fp32"], result["int8"]
    low, high = result["top1_drop_ci95"]
    return (
        f"evaluation on {result['images']} images ({result['classes']} classes): "
        f"fp32 top-1 {fp32['top1']:.2f}% top-5 {fp32['top5']:.2f}%, "
        f"int8 top-1 {int8['top1']:.2f}% top-5 {int8['top5']:.2f}%, "
        f"top-1 agreement {result['top1_agreement']:.2f}%, top-1 drop "
        f"{result['top1_drop']:.2f} points (limit {result['max_top1_drop']:g}), "
        f"95% interval [{low:.2f}, {high:.2f}] points; "
        f"images right only in fp32: {result['discordant']['fp32_only']}, only in int8: "
        f"{result['discordant']['int8_only']}, McNemar exact p = "
        f"{result['mcnemar_p']:.4g} (int8 worse; significant below {result['significance']:g})"
    )


def warning(result: dict[str, Any]) -> str | None:
    """What to print when the drop is over the limit but the set cannot tell it from noise."""
    if result["gate"] != "warn":
        return None
    return (
        f"WARNING: the int8 top-1 drop of {result['top1_drop']:.2f} points is over the limit of "
        f"{result['max_top1_drop']:g}, but {result['images']} images cannot tell it from noise "
        f"(McNemar p = {result['mcnemar_p']:.4g}): building anyway. Evaluate on more images "
        "(EVAL_DIR) to know."
    )
