"""One request's CloudWatch metrics, as EMF log lines (no API calls, no credentials)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

SERVICE = "image-classifier"
NAMESPACE = "ImageClassifier"
# Summary-log fields that become metrics when the request has them.
MEASURED = (
    ("Latency", "latency_ms", MetricUnit.Milliseconds),
    ("InferenceLatency", "inference_ms", MetricUnit.Milliseconds),
    ("ImageMegapixels", "image_megapixels", MetricUnit.Count),
)
# The content cache (function/cache/): per request, or worker batch, how many images it answered.
CACHE_METRICS = {
    "cache_hits": "CacheHits",
    "cache_misses": "CacheMisses",
    "cache_errors": "CacheErrors",
}
# Prediction health, per answered image: a drift signal for canaries and dashboards, not
# ground truth (a model that swaps labels answers just as confidently).
TOP1_PROBABILITY = "Top1Probability"
SCORED_ANSWERS = "ScoredAnswers"
LOW_CONFIDENCE_ANSWERS = "LowConfidenceAnswers"


def emit_request_metrics(summary: Mapping[str, object]) -> None:
    """Requests, latencies, image size and cold start, by route and status class; errors by code."""
    request_metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    request_metrics.add_dimension("route", str(summary["route"]))
    status = summary["status"]
    status_class = f"{status // 100}xx" if isinstance(status, int) else "unknown"
    request_metrics.add_dimension("status_class", status_class)
    request_metrics.add_metric("Requests", MetricUnit.Count, 1)
    for metric, key, unit in MEASURED:
        value = summary.get(key)
        if isinstance(value, int | float):
            request_metrics.add_metric(metric, unit, value)
    for key, metric in CACHE_METRICS.items():
        count = summary.get(key)
        if isinstance(count, int) and count:  # only what happened: a hit has no CacheMisses
            request_metrics.add_metric(metric, MetricUnit.Count, count)
    if summary["cold_start"]:
        request_metrics.add_metric("ColdStart", MetricUnit.Count, 1)
    request_metrics.flush_metrics()
    top1 = summary.get("top1_probabilities")
    if isinstance(top1, Sequence) and top1:
        emit_prediction_metrics([float(p) for p in top1], float(str(summary["confidence_floor"])))
    if "error_code" in summary:
        # Mangum turns crashes into 500 responses, so Lambda's own Errors metric stays at zero.
        error_metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        error_metrics.add_dimension("error_code", str(summary["error_code"]))
        error_metrics.add_metric("Errors", MetricUnit.Count, 1)
        error_metrics.flush_metrics()


def emit_prediction_metrics(top1: Sequence[float], confidence_floor: float) -> None:
    """Every answer's top-1 probability (one EMF value each, so p10/p50 work) and how many
    fell under the floor. Only the service dimension: one series that an alarm can name."""
    health = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    for probability in top1:
        health.add_metric(TOP1_PROBABILITY, MetricUnit.NoUnit, probability)
    health.add_metric(SCORED_ANSWERS, MetricUnit.Count, len(top1))
    low = sum(1 for probability in top1 if probability < confidence_floor)
    health.add_metric(LOW_CONFIDENCE_ANSWERS, MetricUnit.Count, low)
    health.flush_metrics()
