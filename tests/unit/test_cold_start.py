"""The one cold-start flag: true for a process's first request only, the same all through it."""

from __future__ import annotations

import pytest

from function.shared import cold_start


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    cold_start.reset_for_tests()


def test_only_the_first_request_is_cold() -> None:
    answers = []
    for _ in range(3):
        with cold_start.request_cold_start() as answer:
            answers.append(answer)
    assert answers == [True, False, False]


def test_nested_askers_within_one_request_agree() -> None:
    with cold_start.request_cold_start() as outer, cold_start.request_cold_start() as inner:
        assert outer is True
        assert inner is True
    with cold_start.request_cold_start() as later:
        assert later is False


def test_a_warm_request_stays_warm_for_nested_askers() -> None:
    with cold_start.request_cold_start():
        pass
    with cold_start.request_cold_start() as outer, cold_start.request_cold_start() as inner:
        assert (outer, inner) == (False, False)


@pytest.mark.parametrize(
    ("initialization", "cold"), [("provisioned-concurrency", False), ("on-demand", True)]
)
def test_provisioned_concurrency_is_never_cold(monkeypatch, initialization, cold) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", initialization)
    with cold_start.request_cold_start() as answer:
        assert answer is cold
