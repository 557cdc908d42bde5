"""The dashboard and the alarms name only metrics the code emits, and show all of them.

A renamed metric, a new one, or a changed dimension fails here until the dashboard and
alarms follow (dashboard_metrics.py reads both sides).
"""

from __future__ import annotations

import json

import pytest
from dashboard_metrics import (
    AWS_DIMENSIONS,
    CONSTANT_DIMENSIONS,
    ERROR_CODES,
    TEMPLATE,
    alarm_references,
    dashboard,
    dashboard_references,
    emitted,
    literal_metric_names,
)

from function.jobs import worker_metrics
from function.shared import metrics

__all__ = ["emitted"]  # a fixture, imported for pytest


def test_the_emitters_cover_every_metric_in_the_source(emitted) -> None:
    names = {name for _, name, _ in emitted}
    assert literal_metric_names() <= names
    tables = [name for name, _, _ in metrics.MEASURED]
    tables += [*metrics.CACHE_METRICS.values(), *worker_metrics.BATCH_COUNTS.values()]
    assert set(tables) <= names
    assert {namespace for namespace, _, _ in emitted} == {metrics.NAMESPACE}


@pytest.mark.parametrize("source", ["dashboard", "alarms"])
def test_every_custom_metric_named_is_one_the_code_emits(emitted, source: str) -> None:
    references = dashboard_references() if source == "dashboard" else alarm_references()
    custom = [r for r in references if not r.namespace.startswith("AWS/")]
    assert custom
    for reference in custom:
        assert reference.namespace == metrics.NAMESPACE, reference
        key = (reference.namespace, reference.name, frozenset(reference.dimensions))
        assert key in emitted, f"{reference} is not emitted; emitted: {sorted(emitted, key=str)}"
        for dimension, value in reference.dimensions.items():
            if value is None:
                continue
            if dimension in CONSTANT_DIMENSIONS:
                assert value == emitted[key][dimension], reference
            else:
                assert dimension == "error_code", reference
                assert value in ERROR_CODES, reference


def test_every_metric_the_code_emits_is_on_the_dashboard(emitted) -> None:
    shown = {(r.namespace, r.name, frozenset(r.dimensions)) for r in dashboard_references()}
    assert set(emitted) - shown == set()


def test_aws_metrics_use_their_namespaces_dimensions() -> None:
    for reference in dashboard_references() + alarm_references():
        if reference.namespace.startswith("AWS/"):
            assert set(reference.dimensions) <= AWS_DIMENSIONS[reference.namespace], reference


def test_the_dashboard_shows_what_operators_need() -> None:
    shown = {(r.namespace, r.name) for r in dashboard_references()}
    assert {
        ("AWS/ApiGateway", "Latency"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/Lambda", "ConcurrentExecutions"),
    } <= shown
    queues = {r.dimensions["QueueName"] for r in dashboard_references() if r.namespace == "AWS/SQS"}
    assert queues == {"<JobsQueue.QueueName>", "<JobsDeadLetterQueue.QueueName>"}
    widgets = dashboard()["widgets"]
    stats = {json.dumps(w["properties"].get("metrics")) for w in widgets}
    assert any('"p50"' in s and '"p99"' in s and "AWS/ApiGateway" in s for s in stats)
    (init,) = [w for w in widgets if w["type"] == "log"]
    assert init["properties"]["query"].startswith("SOURCE '<ClassifierLogGroup>'")
    assert "@initDuration" in init["properties"]["query"]


def test_the_dashboard_url_is_an_output() -> None:
    url = TEMPLATE["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
    assert url.endswith("#dashboards:name=${OperationsDashboard}")
