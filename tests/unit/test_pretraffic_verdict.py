"""How the pre-traffic hook judges the answers, and that it reports to CodeDeploy whatever
happens (a hung new version included); only a failed report is raised."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from function.deploy.answers import Answer
from function.deploy.clients import Clients
from function.deploy.golden_set import GoldenImage, GoldenSet
from function.deploy.hook import run_hook, within
from function.deploy.verdict import judge

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:Api:3"
HOOK_EVENT = {"DeploymentId": "d-1", "LifecycleEventHookExecutionId": "e-1"}


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
    assert time.monotonic() - started < 8  # well before the stuck invocation would end (10 s)
    assert "TimeoutError" in result["problems"][0]


def test_a_failure_to_report_is_raised_so_that_lambda_retries(tmp_path: Path) -> None:
    codedeploy = codedeploy_client()
    stub = Stubber(codedeploy)
    stub.add_client_error("put_lifecycle_event_hook_execution_status", "ThrottlingException")
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 60_000)
    with stub, pytest.raises(ClientError):
        run_hook(HOOK_EVENT, context, Clients(None, codedeploy), tmp_path, TARGET)
