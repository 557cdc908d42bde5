"""The accuracy gate's statistics (issue 18, item 12): McNemar's exact test on the images
where fp32 and int8 disagree, and the interval on the paired drop."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from modelbuild import accuracy_gate
from modelbuild.errors import ExportError


def measured(images: int, fp32_right: int, int8_right: int, fp32_only: int, int8_only: int):
    """An evaluation as modelbuild.evaluate reports it, top-5 left aside."""
    fp32, int8 = round(100 * fp32_right / images, 2), round(100 * int8_right / images, 2)
    return {
        "images": images,
        "classes": 6,
        "fp32": {"top1": fp32, "top5": 100.0},
        "int8": {"top1": int8, "top5": 100.0},
        "top1_agreement": round(100 * (images - fp32_only - int8_only) / images, 2),
        "discordant": {"fp32_only": fp32_only, "int8_only": int8_only},
        "max_top1_drop": 2.0,
        "top1_drop": round(fp32 - int8, 2),
    }


@pytest.mark.parametrize(("worse", "better"), [(1, 0), (0, 3), (5, 5), (9, 2), (104, 0)])
def test_the_exact_p_value_is_scipys_binomial_test(worse, better) -> None:
    expected = binomtest(worse, worse + better, 0.5, alternative="greater").pvalue if worse else 1
    assert accuracy_gate.mcnemar_exact_p(worse, better) == pytest.approx(expected, rel=1e-9)


def test_no_discordant_images_is_no_evidence() -> None:
    assert accuracy_gate.mcnemar_exact_p(0, 0) == 1.0


def test_one_flip_in_48_images_is_over_the_limit_but_noise() -> None:
    """fp32 100%, int8 97.92%: 2.08 points against a limit of 2, from one image."""
    result = accuracy_gate.judge(measured(48, 48, 47, 1, 0))
    assert result["top1_drop"] == 2.08
    assert result["gate"] == "warn"
    assert result["mcnemar_p"] == 0.5
    low, high = result["top1_drop_ci95"]
    assert low < 0 < 2.08 < high
    assert "cannot tell it from noise" in accuracy_gate.warning(result)


def test_the_same_drop_on_5000_images_fails() -> None:
    with pytest.raises(ExportError, match="lost too much accuracy") as failure:
        accuracy_gate.judge(measured(5000, 5000, 4896, 104, 0))
    assert "top-1 drop 2.08 points (limit 2)" in str(failure.value)
    assert "images right only in fp32: 104, only in int8: 0" in str(failure.value)


def test_a_drop_within_the_limit_passes_without_a_warning() -> None:
    result = accuracy_gate.judge(measured(5000, 4900, 4850, 80, 30))
    assert result["gate"] == "pass"
    assert result["mcnemar_p"] < 0.05  # significant, yet 1 point is within the limit
    assert accuracy_gate.warning(result) is None


def test_the_interval_is_around_the_drop_and_narrows_with_more_images() -> None:
    small = accuracy_gate.drop_interval(48, 1, 0)
    large = accuracy_gate.drop_interval(5000, 104, 0)
    assert large[0] < 2.08 < large[1]
    assert large[1] - large[0] < (small[1] - small[0]) / 4
