"""The pre-traffic hook, end to end: its real entry point, a fake Lambda Invoke endpoint
running the real API handler with a good or a broken model, CodeDeploy through Stubber."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber
from fake_lambda import fake_lambda
from lambda_context import make_lambda_context

from function import pretraffic
from function.api.dependencies import current_model
from function.deploy.clients import default_clients
from function.inference.classifier import Classifier
from function.shared.errors import ModelUnavailable
from modelbuild.export import default_backend, export

TARGET = "arn:aws:lambda:us-east-1:123456789012:function:ClassifierFunction:7"
HOOK_EVENT = {"DeploymentId": "d-ABCDEF123", "LifecycleEventHookExecutionId": "exec-42"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> Iterator[pytest.MonkeyPatch]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "MODEL_DIR": str(model_dir),
        "TARGET_FUNCTION_VERSION": TARGET,
    }.items():
        monkeypatch.setenv(name, value)
    default_clients.cache_clear()
    yield monkeypatch
    default_clients.cache_clear()


def run_hook(monkeypatch: pytest.MonkeyPatch, endpoint: str, reports: str) -> dict[str, Any]:
    """The hook's entry point, invoked as CodeDeploy does, with AWS_ENDPOINT_URL at the fake
    Lambda. Stubber fails the test unless exactly `reports` is sent to CodeDeploy, once."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    default_clients.cache_clear()
    codedeploy = default_clients().codedeploy
    with Stubber(codedeploy) as stub:
        stub.add_response(
            "put_lifecycle_event_hook_execution_status",
            {"lifecycleEventHookExecutionId": "exec-42"},
            {
                "deploymentId": "d-ABCDEF123",
                "lifecycleEventHookExecutionId": "exec-42",
                "status": reports,
            },
        )
        result = pretraffic.handler(HOOK_EVENT, make_lambda_context())
        stub.assert_no_pending_responses()
    assert result["status"] == reports
    return result


def copy_model(model_dir: Path, to: Path) -> Path:
    shutil.copytree(model_dir, to)
    return to


def golden(model_dir: Path) -> dict[str, Any]:
    return json.loads((model_dir / "golden.json").read_text(encoding="utf-8"))


def test_the_good_model_passes(env, handler_module, model_dir: Path) -> None:
    with fake_lambda(handler_module, Classifier.load(model_dir)) as lambda_:
        result = run_hook(env, lambda_.url, "Succeeded")
    assert result["problems"] == []
    assert result["agreement"] == 1.0
    # Every golden image went to the new version itself, through a real API event.
    assert lambda_.invoked == [TARGET] * len(golden(model_dir)["images"])


def test_labels_in_the_wrong_order_fail(env, handler_module, model_dir: Path, tmp_path) -> None:
    """Same weights, same model version, every name moved: only the labels can tell."""
    broken = copy_model(model_dir, tmp_path / "model")
    labels = json.loads((broken / "labels.json").read_text(encoding="utf-8"))
    (broken / "labels.json").write_text(json.dumps(labels[::-1]), encoding="utf-8")
    with fake_lambda(handler_module, Classifier.load(broken)) as lambda_:
        result = run_hook(env, lambda_.url, "Failed")
    assert result["agreement"] == 0.0
    assert not any("model version" in problem for problem in result["problems"])
    assert any("top-1 agreement 0%" in problem for problem in result["problems"])


@pytest.fixture(scope="module")
def other_random_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Random weights from another seed: an export that went wrong, answering confidently."""
    out = tmp_path_factory.mktemp("other-model")
    export(out, "random", default_backend(), None, seed=1)
    return out


def test_other_weights_fail(env, handler_module, other_random_model: Path) -> None:
    with fake_lambda(handler_module, Classifier.load(other_random_model)) as lambda_:
        result = run_hook(env, lambda_.url, "Failed")
    assert result["agreement"] < 1.0
    assert any("model version" in problem for problem in result["problems"])


def test_a_version_other_than_the_recorded_one_fails(
    env, handler_module, model_dir: Path, tmp_path: Path
) -> None:
    """Right answers from a model the build did not record: a stale or mixed-up image."""
    hook_dir = copy_model(model_dir, tmp_path / "model")
    record = golden(hook_dir)
    record["model_version"] = "000000000000"
    (hook_dir / "golden.json").write_text(json.dumps(record), encoding="utf-8")
    env.setenv("MODEL_DIR", str(hook_dir))
    with fake_lambda(handler_module, Classifier.load(model_dir)) as lambda_:
        result = run_hook(env, lambda_.url, "Failed")
    assert result["agreement"] == 1.0
    assert result["problems"]
    assert all("model version" in problem for problem in result["problems"])


def test_an_answer_that_is_not_200_fails(env, handler_module, model_dir: Path) -> None:
    """The new version's model cannot load: the API answers 503 model_unavailable."""

    async def unavailable() -> Classifier:
        raise ModelUnavailable("the model file is missing")

    with fake_lambda(handler_module, Classifier.load(model_dir)) as lambda_:
        handler_module.app.dependency_overrides[current_model] = unavailable
        result = run_hook(env, lambda_.url, "Failed")
    assert result["agreement"] == 0.0
    assert all("HTTP 503" in problem for problem in result["problems"][:-1])


def test_an_exception_in_the_hook_still_reports_failed(env, handler_module, tmp_path) -> None:
    """No golden set where MODEL_DIR points: the hook cannot judge, and says Failed at once."""
    env.setenv("MODEL_DIR", str(tmp_path))
    result = run_hook(env, "http://127.0.0.1:9", "Failed")
    assert "golden" in result["problems"][0]


def test_a_target_that_is_not_a_version_fails(env, handler_module, model_dir: Path) -> None:
    """The alias still routes everything to the old version: testing it proves nothing."""
    env.setenv("TARGET_FUNCTION_VERSION", TARGET.rsplit(":", 1)[0] + ":live")
    with fake_lambda(handler_module, Classifier.load(model_dir)) as lambda_:
        result = run_hook(env, lambda_.url, "Failed")
    assert lambda_.invoked == []
    assert "TARGET_FUNCTION_VERSION" in result["problems"][0]
