"""The pre-traffic hook: replay the golden set against the new version, tell CodeDeploy.

CodeDeploy invokes the hook asynchronously with {"DeploymentId", "LifecycleEventHookExecutionId"}
and waits (up to an hour) for PutLifecycleEventHookExecutionStatus. So the hook always reports:
any exception in the checks, and checks still running near the hook's own timeout, report
Failed. Only a failure to report at all is raised, so that Lambda retries the invocation.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

from function.deploy.answers import read_answer
from function.deploy.api_event import classify_event, tagged_jpeg
from function.deploy.clients import Clients
from function.deploy.golden_set import load_golden_set
from function.deploy.verdict import Verdict, judge

# The template (PreTrafficHookFunction) sets it to the new version: !Ref <Function>.Version.
TARGET_ENV = "TARGET_FUNCTION_VERSION"
# A published version (…:function:Name:7). The alias still sends every request to the old
# version until the traffic shifts, so invoking it would test the wrong code.
VERSION_ARN = re.compile(r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+:\d+")
RESERVE_SECONDS = 5.0  # kept back from the hook's own timeout to report after giving up
TOP_K = 2

logger = Logger(service="image-classifier-pretraffic")


def replay(target: str, model_dir: Path, lambda_client: Any, tag: str) -> Verdict:
    """Every golden image through the new version's real entry point, one at a time."""
    if not VERSION_ARN.fullmatch(target):
        raise ValueError(
            f"{TARGET_ENV}={target!r} is not a published version's ARN: set it to the API "
            "function's !Ref <Function>.Version, not the alias or the unqualified function."
        )
    golden = load_golden_set(model_dir)
    answers = []
    for number, image in enumerate(golden.images):
        body = tagged_jpeg(image.data, f"pretraffic {tag}")
        event = classify_event(body, f"pretraffic-{tag}-{number}", min(TOP_K, golden.num_classes))
        response = lambda_client.invoke(
            FunctionName=target, InvocationType="RequestResponse", Payload=json.dumps(event)
        )
        answers.append(read_answer(response))
    return judge(golden, answers)


def within(seconds: float, work: Callable[[], Verdict]) -> Verdict:
    """work(), or TimeoutError once `seconds` pass: a hung invocation must not outlive us."""
    outcome: list[Verdict | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    thread = threading.Thread(target=run, name="pretraffic-replay", daemon=True)
    thread.start()
    thread.join(max(seconds, 0.0))
    if not outcome:
        raise TimeoutError(f"the golden set was not replayed within {seconds:.0f} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def run_hook(
    event: dict[str, Any], context: Any, clients: Clients, model_dir: Path, target: str
) -> dict[str, Any]:
    # Without these ids nobody can be told: raising records the bad event in Lambda's logs.
    deployment_id = event["DeploymentId"]
    execution_id = event["LifecycleEventHookExecutionId"]
    budget = context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS
    try:
        verdict = within(budget, lambda: replay(target, model_dir, clients.lambda_, execution_id))
        status, problems, agreement = verdict.status, list(verdict.problems), verdict.agreement
    except Exception as exc:
        logger.exception("pre-traffic check could not finish")
        status, problems, agreement = "Failed", [f"the hook failed: {exc!r}"], 0.0
    result = {"status": status, "problems": problems, "agreement": agreement, "target": target}
    logger.info("pre-traffic verdict", extra={**result, "deployment_id": deployment_id})
    clients.codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=deployment_id, lifecycleEventHookExecutionId=execution_id, status=status
    )
    return result
