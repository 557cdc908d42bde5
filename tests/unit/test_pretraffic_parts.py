"""The pre-traffic hook's parts: the API event it sends, how it reads answers and judges them,
and that it reports to CodeDeploy whatever happens."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from PIL import Image

from function.deploy.answers import Answer, read_answer
from function.deploy.api_event import classify_event, tagged_jpeg
from function.deploy.clients import Clients
from function.deploy.golden_set import GoldenImage, GoldenSet
from function.deploy.hook import run_hook, within
from function.deploy.verdict import judge

REPO = Path(__file__).resolve().parents[2]
TARGET = "arn:aws:lambda:us-east-1:123456789012:function:Api:3"
HOOK_EVENT = {"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "e-1"}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 60)).save(out, "JPEG")
    return out.getvalue()


def test_the_tag_changes_the_bytes_not_the_pixels() -> None:
    original = jpeg()
    tagged = tagged_jpeg(original, "pretraffic d-1")
    assert tagged != original
    assert b"pretraffic d-1" in tagged
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(tagged))
    assert np.array_equal(np.asarray(before), np.asarray(after))
    with pytest.raises(ValueError, match="JPEG"):
        tagged_jpeg(b"\x89PNG\r\n\x1a\n", "x")


def test_the_event_has_the_shape_of_the_sample_rest_event() -> None:
    sample = json.loads((REPO / "events" / "classify-rest-raw-jpeg.json").read_text())
    event = classify_event(jpeg(), "req-1", 2)
    assert set(event) == set(sample)
    assert set(event["requestContext"]) <= set(sample["requestContext"])
    assert {k: event[k] for k in ("httpMethod", "path", "resource", "isBase64Encoded")} == {
        k: sample[k] for k in ("httpMethod", "path", "resource", "isBase64Encoded")
    }
    assert base64.b64decode(event["body"]) == jpeg()
    assert event["queryStringParameters"] == {"top_k": "2"}


def invoke_response(payload: Any, function_error: str | None = None) -> dict[str, Any]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response: dict[str, Any] = {"StatusCode": 200, "Payload": io.BytesIO(data)}
    if function_error:
        response["FunctionError"] = function_error
    return response


def proxy(status: int, body: dict[str, Any], base64_body: bool = False) -> dict[str, Any]:
    text = json.dumps(body)
    if base64_body:
        text = base64.b64encode(text.encode()).decode()
    return {"statusCode": status, "body": text, "isBase64Encoded": base64_body}


CLASSIFIED = {
    "predictions": [{"class": "tabby", "index": 281, "probability": 0.9}],
    "model": {"name": "resnet18-int8", "version": "abc123abc123"},
}


@pytest.mark.parametrize("base64_body", [False, True])
def test_read_answer_reads_the_top_1_and_version(base64_body: bool) -> None:
    answer = read_answer(invoke_response(proxy(200, CLASSIFIED, base64_body)))
    assert answer == Answer(200, 281, "tabby", "abc123abc123")


@pytest.mark.parametrize(
    ("response", "status", "words"),
    [
        (invoke_response(b'{"errorMessage": "boom"}', "Unhandled"), 0, "function error"),
        (invoke_response(b"not json"), 0, "not an API Gateway proxy response"),
        (invoke_response(proxy(503, {"error": {"code": "model_unavailable"}})), 503, "HTTP 503"),
        (invoke_response(proxy(200, {"predictions": []})), 200, "without a classification"),
    ],
)
def test_read_answer_names_what_went_wrong(response, status: int, words: str) -> None:
    answer = read_answer(response)
    assert answer.status == status
    assert answer.index is None
    assert answer.problem is not None
    assert words in answer.problem


def golden_set(*labels: str) -> GoldenSet:
    images = tuple(
        GoldenImage(f"{n:02d}.jpg", b"", n, label, 1.0) for n, label in enumerate(labels)
    )
    return GoldenSet("abc123abc123", 10, images)


def test_judge_succeeds_only_on_every_answer_right() -> None:
    golden = golden_set("cat", "dog")
    right = [Answer(200, 0, "cat", "abc123abc123"), Answer(200, 1, "dog", "abc123abc123")]
    assert judge(golden, right).status == "Succeeded"
    assert judge(golden, right).agreement == 1.0
    for wrong, words in [
        (Answer(200, 1, "dog", "abc123abc123"), "top-1 'dog' (#1), expected 'cat'"),
        (Answer(200, 0, "dog", "abc123abc123"), "top-1 'dog' (#0), expected 'cat'"),
        (Answer(503, problem="HTTP 503: busy"), "00.jpg: HTTP 503"),
    ]:
        verdict = judge(golden, [wrong, right[1]])
        assert verdict.status == "Failed"
        assert verdict.agreement == 0.5
        assert any(words in problem for problem in verdict.problems), verdict.problems


def test_judge_fails_another_model_version_even_with_right_answers() -> None:
    golden = golden_set("cat")
    verdict = judge(golden, [Answer(200, 0, "cat", "fff000fff000")])
    assert verdict.status == "Failed"
    assert verdict.agreement == 1.0
    assert verdict.problems == (
        "00.jpg: model version fff000fff000, the build recorded abc123abc123",
    )


def test_judge_fails_missing_answers() -> None:
    assert judge(golden_set("cat", "dog"), [Answer(200, 0, "cat", "abc123abc123")]).status == (
        "Failed"
    )


def test_within_gives_up_on_work_that_hangs() -> None:
    release = threading.Event()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        within(0.2, lambda: release.wait(5))  # type: ignore[arg-type,return-value]
    assert time.monotonic() - started < 2
    release.set()
    with pytest.raises(KeyError):
        within(1, lambda: {}["missing"])


class HangingLambda:
    """A new version that never answers (stuck in init, a network partition)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def invoke(self, **_: Any) -> dict[str, Any]:
        self.release.wait(10)
        raise RuntimeError("released")


def codedeploy_client() -> Any:
    import boto3

    return boto3.client(
        "codedeploy", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def codedeploy_expecting(status: str) -> tuple[Any, Stubber]:
    client = codedeploy_client()
    stub = Stubber(client)
    stub.add_response(
        "put_lifecycle_event_hook_execution_status",
        {"lifecycleEventHookExecutionId": "e-1"},
        {"deploymentId": "d-1", "lifecycleEventHookExecutionId": "e-1", "status": status},
    )
    return client, stub


def test_a_hanging_new_version_is_reported_failed_before_the_hook_times_out(
    model_dir: Path,
) -> None:
    codedeploy, stub = codedeploy_expecting("Failed")
    lambda_ = HangingLambda()
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 5_500)  # 0.5 s to spare
    started = time.monotonic()
    with stub:
        result = run_hook(HOOK_EVENT, context, Clients(lambda_, codedeploy), model_dir, TARGET)
        stub.assert_no_pending_responses()
    lambda_.release.set()
    assert time.monotonic() - started < 3
    assert "TimeoutError" in result["problems"][0]


def test_a_failure_to_report_is_raised_so_that_lambda_retries(tmp_path: Path) -> None:
    codedeploy = codedeploy_client()
    stub = Stubber(codedeploy)
    stub.add_client_error("put_lifecycle_event_hook_execution_status", "ThrottlingException")
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    with stub, pytest.raises(ClientError):
        run_hook(HOOK_EVENT, context, Clients(None, codedeploy), tmp_path, TARGET)
