"""Transient failures are retried with backoff, honouring Retry-After; permanent ones are not;
a service that never answers ends with exit code 3. Against tests/client/tiny_server.py."""

from __future__ import annotations

import socket

from cli_stack import free_port, imgcls, one_line_error
from tiny_server import Script, json_answer, serving

HEALTH = {
    "status": "ok",
    "model": {"name": "resnet18-int8", "version": "abc"},
    "architecture": "resnet18",
    "num_classes": 1000,
    "production_ready": True,
    "warning": None,
    "limits": {"max_image_bytes": 4_500_000, "allowed_formats": ["JPEG"]},
}
UNAVAILABLE = {"error": {"code": "model_unavailable", "message": "loading", "request_id": "r"}}


def test_503_twice_then_200_is_retried_honouring_retry_after() -> None:
    answers = [
        json_answer(503, UNAVAILABLE, **{"retry-after": "1"}),
        json_answer(503, UNAVAILABLE),
        json_answer(200, HEALTH),
    ]
    with serving(Script({"/health": answers})) as script:
        result = imgcls("health", "--json", url=script.url)
    assert result.returncode == 0, result.stderr
    assert '"architecture": "resnet18"' in result.stdout
    first, second, third = script.requests_to("/health")
    assert second - first >= 1.0  # Retry-After: 1
    assert third - second >= 0.25  # the backoff's fixed half, 0.5 s * 2**1 / 2


def test_a_permanent_error_is_not_retried(tmp_path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"\xff\xd8 not really")
    refused = json_answer(
        422, {"error": {"code": "image_decode_error", "message": "bad", "request_id": "r"}}
    )
    script = Script({"/health": [json_answer(200, HEALTH)], "/classify": [refused]})
    with serving(script):
        result = imgcls("classify", str(tmp_path / "a.jpg"), "--json", url=script.url)
    assert result.returncode == 1
    assert len(script.requests_to("/classify")) == 1
    assert '"code": "image_decode_error"' in result.stdout


def test_still_unavailable_after_the_retries_exits_3() -> None:
    with serving(Script({"/health": [json_answer(503, UNAVAILABLE)]})) as script:
        result = imgcls("health", "--retries", "2", url=script.url)
    assert result.returncode == 3
    assert "after 3 attempts" in one_line_error(result)
    assert len(script.requests_to("/health")) == 3


def test_nothing_listening_exits_3() -> None:
    port = free_port()  # closed again: connections are refused
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    result = imgcls("health", "--retries", "1", url=f"http://127.0.0.1:{port}")
    assert result.returncode == 3
    assert "ConnectError" in one_line_error(result)
