"""Prediction health as EMF metrics: each answer's top-1 probability, and the answers under
the confidence floor."""

from __future__ import annotations

import json

import pytest

from function.shared import metrics


@pytest.fixture(autouse=True)
def metrics_on(monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)


def documents(captured: str) -> list[dict]:
    return [json.loads(line) for line in captured.splitlines() if line.startswith("{")]


def test_every_answer_is_a_value_and_those_under_the_floor_are_counted(capsys) -> None:
    metrics.emit_prediction_metrics([0.91, 0.2, 0.05, 0.19999], confidence_floor=0.2)
    (document,) = documents(capsys.readouterr().out)
    assert document["Top1Probability"] == [0.91, 0.2, 0.05, 0.19999]
    # Powertools writes a metric with several values as a list, and the others like it.
    assert document[metrics.SCORED_ANSWERS] == [4.0]
    assert document[metrics.LOW_CONFIDENCE_ANSWERS] == [2.0]  # strictly under: 0.2 is not low
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == metrics.NAMESPACE
    assert directive["Dimensions"] == [["service"]]  # one series an alarm can name
    assert document["service"] == metrics.SERVICE


def request_summary(**extra: object) -> dict[str, object]:
    return {"route": "/classify/batch", "status": 200, "cold_start": False, **extra}


def test_a_request_with_answers_emits_prediction_health(capsys) -> None:
    metrics.emit_request_metrics(
        request_summary(top1_probabilities=[0.5, 0.1], confidence_floor=0.3)
    )
    health = [d for d in documents(capsys.readouterr().out) if metrics.SCORED_ANSWERS in d]
    assert [(d[metrics.SCORED_ANSWERS], d[metrics.LOW_CONFIDENCE_ANSWERS]) for d in health] == [
        ([2.0], [1.0])
    ]


@pytest.mark.parametrize("top1", [None, []])
def test_a_request_without_answers_emits_none(capsys, top1) -> None:
    summary = request_summary(status=400, confidence_floor=0.2)
    if top1 is not None:
        summary["top1_probabilities"] = top1
    metrics.emit_request_metrics(summary)
    emitted = documents(capsys.readouterr().out)
    assert emitted  # the request's own metrics
    assert not [d for d in emitted if metrics.SCORED_ANSWERS in d]
