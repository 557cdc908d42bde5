"""X-Ray wiring: subsegments per stage when tracing is on; no tracer at all when it is off."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from function.shared import observability


@pytest.mark.parametrize(
    ("environment", "enabled"),
    [
        ({}, False),  # outside Lambda
        ({"AWS_LAMBDA_FUNCTION_NAME": "f"}, True),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "f", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
    ],
)
def test_tracing_follows_the_stack_parameter(monkeypatch, environment, enabled) -> None:
    for name in ("AWS_LAMBDA_FUNCTION_NAME", "POWERTOOLS_TRACE_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert observability.tracing_enabled() is enabled


def test_the_test_process_has_no_tracer() -> None:
    assert observability.tracer is None  # so no X-Ray SDK import on the cold path


def test_each_stage_is_a_subsegment_when_tracing(monkeypatch) -> None:
    opened: list[str] = []

    @contextmanager
    def in_subsegment(name: str):
        opened.append(name)
        yield

    fake = SimpleNamespace(provider=SimpleNamespace(in_subsegment=in_subsegment))
    monkeypatch.setattr(observability, "tracer", fake)
    timings: dict[str, float] = {}
    for name in ("decode", "preprocess", "inference"):
        with observability.stage(timings, name):
            pass
    assert opened == ["## decode", "## preprocess", "## inference"]
    assert set(timings) == {"decode_ms", "preprocess_ms", "inference_ms"}


def test_stages_are_timed_without_tracing() -> None:
    timings: dict[str, float] = {}
    with observability.stage(timings, "decode"):
        sum(range(10_000))
    assert timings["decode_ms"] > 0
