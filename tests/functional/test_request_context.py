"""Per-request log context under concurrency, and the one cold-start flag."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
from event_loop import run_async
from photos import photo_bytes

from function.shared import cold_start
from function.shared.observability import logger

JPEG = photo_bytes("chelsea")


def captured_lines(run) -> list[dict]:
    stream = io.StringIO()
    previous = logger.registered_handler.setStream(stream)
    try:
        run()
    finally:
        logger.registered_handler.setStream(previous)
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def request_for(number: int) -> tuple[str, str, dict, bytes]:
    """Mixed traffic: classifications, bad images, health checks. Each body size is unique,
    so a summary line's image_bytes says which request wrote it."""
    request_id = f"req-{number}"
    headers = {"x-request-id": request_id, "content-type": "image/jpeg"}
    if number % 3 == 0:
        return "GET", "/health", {"x-request-id": request_id}, b""
    if number % 3 == 1:
        return "POST", "/classify", headers, JPEG + bytes(number)  # trailing bytes: still a JPEG
    return "POST", "/classify", headers, b"not an image" + bytes(number)


def test_concurrent_requests_log_their_own_request_id(handler_module) -> None:
    count = 48

    async def many() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=handler_module.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            calls = [
                client.request(method, path, headers=headers, content=body)
                for method, path, headers, body in map(request_for, range(count))
            ]
            return await asyncio.gather(*calls)

    responses: list[httpx.Response] = []
    lines = captured_lines(lambda: responses.extend(run_async(many())))
    assert [r.status_code for r in responses] == [200 if n % 3 != 2 else 415 for n in range(count)]
    summaries = [line for line in lines if line["message"] == "request"]
    assert len(summaries) == count
    for summary in summaries:
        if summary["route"] == "/classify":
            number = summary["image_bytes"] - (
                len(JPEG) if summary["status"] == 200 else len(b"not an image")
            )
            assert summary["request_id"] == f"req-{number}"
        else:
            assert summary["request_id"].startswith("req-")
            assert int(summary["request_id"][4:]) % 3 == 0
    # Health checks carry no size: their IDs must still be all different and all present.
    health_ids = [s["request_id"] for s in summaries if s["route"] == "/health"]
    assert sorted(health_ids) == sorted(f"req-{n}" for n in range(0, count, 3))
    # Nothing is left behind in the shared logger state once the requests are done.
    assert "request_id" not in logger.thread_safe_get_current_keys()


def test_only_the_first_request_of_a_process_is_a_cold_start(client) -> None:
    cold_start.reset_for_tests()

    def two_requests() -> None:
        client.get("/health")
        client.get("/health")

    first, second = [line for line in captured_lines(two_requests) if line["message"] == "request"]
    assert first["cold_start"] is True
    assert second["cold_start"] is False


def test_provisioned_concurrency_is_never_a_cold_start(client, monkeypatch) -> None:
    cold_start.reset_for_tests()
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")
    (summary,) = [
        line
        for line in captured_lines(lambda: client.get("/health"))
        if line["message"] == "request"
    ]
    assert summary["cold_start"] is False
