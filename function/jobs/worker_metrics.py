"""One set of EMF metrics per worker batch: what happened to its images, and how long it took.

Like the API's request metrics, these are log lines (no API calls, no credentials), and
POWERTOOLS_DEV turns them off locally.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from function.shared.metrics import CACHE_METRICS, NAMESPACE, SERVICE
from function.shared.request_state import RequestDetails

BATCH_COUNTS = {
    "images": "WorkerImages",
    "succeeded": "WorkerImagesSucceeded",
    "failed": "WorkerImagesFailed",  # permanent: recorded as the image's error
    "retried": "WorkerMessagesRetried",  # transient: SQS delivers them again
    "duplicates": "WorkerDuplicateDeliveries",
}


def emit_batch_metrics(details: RequestDetails) -> None:
    metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    metrics.add_dimension("function", "worker")
    for field, name in {**BATCH_COUNTS, **CACHE_METRICS}.items():
        value = details.get(field, 0)
        metrics.add_metric(name, MetricUnit.Count, value if isinstance(value, int) else 0)
    metrics.add_metric("WorkerBatchLatency", MetricUnit.Milliseconds, details["batch_ms"])
    metrics.flush_metrics()
