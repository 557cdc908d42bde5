"""top_k against the loaded model's class count: the default fits small models."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from function.api.top_k import DEFAULT_TOP_K, resolve_top_k
from function.shared.errors import InvalidParameter


def model(num_classes: int) -> SimpleNamespace:
    return SimpleNamespace(num_classes=num_classes)


@pytest.mark.parametrize(("classes", "expected"), [(2, 2), (3, 3), (5, 5), (1000, 5)])
def test_the_default_never_exceeds_the_model_classes(classes: int, expected: int) -> None:
    assert DEFAULT_TOP_K == 5
    assert resolve_top_k(DEFAULT_TOP_K, False, model(classes)) == expected  # type: ignore[arg-type]


def test_an_explicit_top_k_up_to_the_class_count_is_kept() -> None:
    assert resolve_top_k(3, True, model(3)) == 3  # type: ignore[arg-type]
    assert resolve_top_k(1, True, model(1000)) == 1  # type: ignore[arg-type]


def test_an_explicit_top_k_over_the_class_count_is_refused_with_the_count() -> None:
    with pytest.raises(InvalidParameter, match="at most 3"):
        resolve_top_k(4, True, model(3))  # type: ignore[arg-type]
