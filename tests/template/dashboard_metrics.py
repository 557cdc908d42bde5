"""The metrics the code emits, and those the dashboard and the alarms name (test_dashboard.py).

What the code emits is read from the code: its emitters run on inputs built from their own
field tables, and their EMF output (namespace, metric names, dimension names and values) is
parsed; a source scan makes sure no add_metric call escapes that run. A renamed metric, a
new one, or a changed dimension fails here until the dashboard and alarms follow.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
from typing import Any, NamedTuple

import pytest
from cfn import REPO, load_template

from function.jobs import worker_metrics
from function.shared import errors, metrics

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
# Dimensions whose value is fixed by the code; the others vary per request (SEARCH them).
CONSTANT_DIMENSIONS = {"service", "function"}
AWS_DIMENSIONS = {
    "AWS/ApiGateway": {"ApiName", "Stage"},
    "AWS/Lambda": {"FunctionName", "Resource"},
    "AWS/SQS": {"QueueName"},
}
SEARCH = re.compile(r"SEARCH\('\{([^}]*)\} MetricName=\"(\w+)\"'")
SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Reference(NamedTuple):
    namespace: str
    name: str
    dimensions: dict[str, str | None]  # None: any value (a SEARCH over that dimension)


def all_subclasses(cls: type) -> set[type]:
    return {cls}.union(*(all_subclasses(sub) for sub in cls.__subclasses__()))


ERROR_CODES = {cls.code for cls in all_subclasses(errors.ServiceError)}


def emf_documents(emit: Any, *args: Any) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        emit(*args)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def emitted() -> dict[tuple[str, str, frozenset[str]], dict[str, str]]:
    """(namespace, metric, dimension names) -> the dimension values of one emission."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
        patch.delenv("POWERTOOLS_DEV", raising=False)
        summary: dict[str, object] = {"route": "/classify", "status": 500, "cold_start": True}
        summary |= {key: 1.5 for _, key, _ in metrics.MEASURED}
        summary |= {key: 1 for key in metrics.CACHE_METRICS}
        summary |= {"error_code": "internal_error", "top1_probabilities": [0.9, 0.1]}
        summary["confidence_floor"] = 0.2
        batch = {field: 1 for field in {**worker_metrics.BATCH_COUNTS, **metrics.CACHE_METRICS}}
        documents = emf_documents(metrics.emit_request_metrics, summary)
        documents += emf_documents(worker_metrics.emit_batch_metrics, {**batch, "batch_ms": 3.0})
    found = {}
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            (dimensions,) = directive["Dimensions"]
            for metric in directive["Metrics"]:
                key = (directive["Namespace"], metric["Name"], frozenset(dimensions))
                found[key] = {name: document[name] for name in dimensions}
    return found


def literal_metric_names() -> set[str]:
    """Every metric name the source passes to add_metric as a literal or a module constant."""
    names = set()
    for path in (REPO / "function").rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = {
            target.id: node.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_metric":
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    names.add(first.value)
                elif isinstance(first, ast.Name) and first.id in constants:
                    names.add(constants[first.id])
    return names


def dashboard() -> dict:
    body = RESOURCES["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    return json.loads(SUB_VARIABLE.sub(lambda m: f"<{m.group(1)}>", body))


def dashboard_references() -> list[Reference]:
    found = []
    for widget in dashboard()["widgets"]:
        for row in widget["properties"].get("metrics", []):
            if isinstance(row[0], dict):
                for schema, name in SEARCH.findall(row[0]["expression"]):
                    namespace, *dimensions = schema.split(",")
                    found.append(Reference(namespace, name, dict.fromkeys(dimensions)))
                continue
            namespace, name, *rest = [item for item in row if not isinstance(item, dict)]
            found.append(Reference(namespace, name, dict(zip(rest[::2], rest[1::2], strict=True))))
    return found


def alarm_references() -> list[Reference]:
    found = []
    for resource in RESOURCES.values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        properties = resource["Properties"]
        stats = [
            m["MetricStat"]["Metric"] for m in properties.get("Metrics", []) if "MetricStat" in m
        ]
        for metric in stats or [properties]:
            dimensions = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append(Reference(metric["Namespace"], metric["MetricName"], dimensions))
    return found
