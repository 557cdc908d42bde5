"""x-cache hit and miss through the API: memory layer, DynamoDB layer (moto), failing open."""

from __future__ import annotations

import hashlib
import time

import pytest
from aws_fixtures import TABLE, aws, make_cache, s3_app
from botocore.stub import Stubber
from photos import photo_bytes
from test_observability import emf_documents, log_lines, summary_line

from function.api.dependencies import current_cache, current_model
from function.aws import clients
from function.cache.content import decode_variant, get_content_cache
from function.shared.settings import get_settings

JPEG = photo_bytes("coffee")
RAW = {"content-type": "image/jpeg"}
__all__ = ["aws", "log_lines", "s3_app"]  # fixtures, imported for pytest


def classify(client, data: bytes = JPEG, top_k: int = 5):
    response = client.post("/classify", content=data, headers=RAW, params={"top_k": top_k})
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
def memory_cache(client):
    cache = make_cache(memory=8, table=False)
    client.app.dependency_overrides[current_cache] = lambda: cache
    return cache


def test_second_request_is_a_hit_with_the_same_answer(client, memory_cache) -> None:
    first, second = classify(client), classify(client)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert first.json() == second.json()


def test_one_entry_serves_every_top_k(client, memory_cache, handler_module) -> None:
    classify(client, top_k=1)
    cached = classify(client, top_k=1000)
    assert cached.headers["x-cache"] == "hit"
    client.app.dependency_overrides[current_cache] = lambda: make_cache(table=False)
    fresh = classify(client, top_k=1000)
    assert fresh.headers["x-cache"] == "miss"
    assert cached.json() == fresh.json()


def test_a_new_model_version_never_gets_an_old_answer(client, memory_cache, handler_module):
    model = handler_module.get_classifier()

    class NextVersion:
        version = "0123456789ab"

        def __getattr__(self, name):
            return getattr(model, name)

    classify(client)
    client.app.dependency_overrides[current_model] = lambda: NextVersion()
    assert classify(client).headers["x-cache"] == "miss"


def test_the_summary_log_and_metrics_say_hit_or_miss(
    client, memory_cache, log_lines, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    classify(client)
    assert summary_line(log_lines())["cache"] == "miss"
    classify(client)
    hit = [line for line in log_lines() if line["message"] == "request"][-1]
    assert (hit["cache"], hit["cache_hits"], hit["cache_misses"]) == ("hit", 1, 0)
    assert "decode_ms" not in hit  # a hit decodes nothing
    metrics = [d for d in emf_documents(capsys.readouterr().out) if "Requests" in d]
    assert [("CacheMisses" in d, "CacheHits" in d) for d in metrics] == [
        (True, False),
        (False, True),
    ]


def test_batch_says_hit_or_miss_per_entry(client, memory_cache) -> None:
    classify(client)
    other = photo_bytes("rocket")
    form = [("images", ("a.jpg", JPEG, "image/jpeg")), ("images", ("b.jpg", other, "image/jpeg"))]
    response = client.post("/classify/batch", files=form)
    assert [entry["cache"] for entry in response.json()["results"]] == ["hit", "miss"]
    assert response.headers["x-cache"] == "miss"
    again = client.post("/classify/batch", files=form)
    assert [entry["cache"] for entry in again.json()["results"]] == ["hit", "hit"]
    assert again.headers["x-cache"] == "hit"


def test_cache_size_zero_turns_memory_off(monkeypatch) -> None:
    monkeypatch.setenv("CACHE_SIZE", "0")
    monkeypatch.delenv("RESULTS_TABLE", raising=False)
    get_settings.cache_clear()
    get_content_cache.cache_clear()
    try:
        cache = get_content_cache()
        assert (cache.memory, cache.table) == (None, None)
        monkeypatch.setenv("CACHE_SIZE", "3")
        monkeypatch.setenv("RESULTS_TABLE", "t")
        monkeypatch.setenv("CACHE_TTL_SECONDS", "60")
        get_settings.cache_clear()
        get_content_cache.cache_clear()
        cache = get_content_cache()
        assert (cache.memory.capacity, cache.table.name, cache.ttl_seconds) == (3, "t", 60)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        get_content_cache.cache_clear()


def test_dynamodb_item_layout_and_ttl(client, s3_app, handler_module) -> None:
    classify(client)
    model, settings = handler_module.get_classifier(), get_settings()
    variant = decode_variant(
        model.preprocessing, settings.allowed_formats, settings.max_image_pixels
    )
    pk = f"cache#{hashlib.sha256(JPEG).hexdigest()}#{model.version}#{variant}"
    item = s3_app.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": pk}})["Item"]
    assert len(item["value"]["B"]) == 4000  # 1000 float32 probabilities
    assert 55 <= int(item["expires_at"]["N"]) - time.time() <= 61  # make_cache's 60 s TTL
    assert classify(client).headers["x-cache"] == "hit"
    item["expires_at"] = {"N": str(int(time.time()) - 1)}  # expired, not yet swept by DynamoDB
    s3_app.dynamodb.put_item(TableName=TABLE, Item=item)
    assert classify(client).headers["x-cache"] == "miss"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("ProvisionedThroughputExceededException", 400),
        ("AccessDeniedException", 400),
        ("InternalServerError", 500),
    ],
)
def test_dynamodb_down_fails_open(client, s3_app, log_lines, capsys, monkeypatch, code, status):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    with Stubber(clients.client("dynamodb")) as stubber:
        stubber.add_client_error("get_item", code, http_status_code=status)
        stubber.add_client_error("put_item", code, http_status_code=status)
        response = classify(client)
    assert response.headers["x-cache"] == "miss"
    assert len(response.json()["predictions"]) == 5
    warnings = [line for line in log_lines() if line["message"] == "results cache unavailable"]
    assert [w["level"] for w in warnings] == ["WARNING", "WARNING"]
    assert code in warnings[0]["cause"]
    (metrics,) = [d for d in emf_documents(capsys.readouterr().out) if "Requests" in d]
    assert metrics["CacheErrors"] == [2.0]


def test_a_hit_never_skips_limits_tightened_since(client, memory_cache, handler_module) -> None:
    """The decode limits and the preprocessing are part of the key: a JPEG cached while JPEG
    was accepted is refused like any other once ALLOWED_FORMATS leaves it out."""
    from function.api.dependencies import current_settings

    assert classify(client).headers["x-cache"] == "miss"
    assert classify(client).headers["x-cache"] == "hit"
    png_only = get_settings().model_copy(update={"allowed_formats": ("PNG",)})
    client.app.dependency_overrides[current_settings] = lambda: png_only
    refused = client.post("/classify", content=JPEG, headers=RAW)
    assert refused.status_code == 415, refused.text
    assert refused.json()["error"]["code"] == "unsupported_image_format"
