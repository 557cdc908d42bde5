"""One set of EMF metrics per worker batch: what happened to its images, and how long it took.

Like the API's request metrics, these are log lines (no API calls, no credentials), and
POWERTOOLS_DEV turns them off locally.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from function.shared.observability import CACHE_METRICS, NAMESPACE, SERVICE

BATCH_COUNTS = {
    "images": "WorkerImages",
    "succeeded": "WorkerImagesSucceeded",
    "failed": "WorkerImagesFailed",  # permanent: recorded as the image's error
    "retried": "WorkerMessagesRetried",  # transient: SQS delivers them again
    "duplicates": "WorkerDuplicateDeliveries",
}


def emit_batch_metrics(details: dict[str, Any]) -> None:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension("function", "worker")
    for field, name in {**BATCH_COUNTS, **CACHE_METRICS}.items():
        metrics.add_metric(name, MetricUnit.Count, details.get(field, 0))
    metrics.add_metric("WorkerBatchLatency", MetricUnit.Milliseconds, details["batch_ms"])
    metrics.flush_metrics()
