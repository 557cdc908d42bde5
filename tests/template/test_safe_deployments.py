"""Canary deployments of the API function and provisioned concurrency, on SAM's own
transform, with SAM's documented pitfalls each shown on a variant (the hook's own:
test_pretraffic_template.py)."""

from __future__ import annotations

import copy

import pytest
from canary_template import CANARY, alias, canary
from cfn import load_template
from cfn_eval import Evaluator
from sam_transform import transform, transformed_template
from test_template import run, tool

__all__ = ["canary"]  # a fixture, imported for pytest

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
DEPLOYMENT_ALARMS = {
    "ServerErrorAlarm",
    "LatencyAlarm",
    "FunctionErrorsAlarm",
    "InternalErrorsAlarm",
    "PredictionHealthAlarm",
}


def test_deployment_type_is_a_parameter_all_at_once_by_default(canary: dict) -> None:
    parameter = TEMPLATE["Parameters"]["DeploymentType"]
    assert parameter["Default"] == "AllAtOnce"
    assert {"Canary10Percent5Minutes", "Linear10PercentEvery1Minute"} <= set(
        parameter["AllowedValues"]
    )
    preference = RESOURCES["ClassifierFunction"]["Properties"]["DeploymentPreference"]
    assert preference["Type"] == {"Ref": "DeploymentType"}
    group = canary["ClassifierFunctionDeploymentGroup"]["Properties"]
    template, names = group["DeploymentConfigName"]["Fn::Sub"]
    assert template.replace("${ConfigName}", names["ConfigName"]) == (
        "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    )


def test_the_alarms_roll_a_deployment_back(canary: dict) -> None:
    group = canary["ClassifierFunctionDeploymentGroup"]["Properties"]
    alarms = {alarm["Name"]["Ref"] for alarm in group["AlarmConfiguration"]["Alarms"]}
    assert alarms == DEPLOYMENT_ALARMS
    assert group["AlarmConfiguration"]["Enabled"] is True
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
    lambda_errors = RESOURCES["FunctionErrorsAlarm"]["Properties"]
    assert (lambda_errors["Namespace"], lambda_errors["MetricName"]) == ("AWS/Lambda", "Errors")
    dimensions = {d["Name"]: d["Value"] for d in lambda_errors["Dimensions"]}
    assert dimensions["Resource"] == {"Fn::Sub": "${ClassifierFunction}:live"}
    internal = RESOURCES["InternalErrorsAlarm"]["Properties"]
    assert {"Name": "error_code", "Value": "internal_error"} in internal["Dimensions"]


def test_prediction_health_alarm_is_a_share_with_a_minimum_sample() -> None:
    alarm = RESOURCES["PredictionHealthAlarm"]["Properties"]
    (share,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
    assert share["Expression"] == "IF(scored >= 20, 100 * low / scored, 0)"
    inputs = {
        m["Id"]: m["MetricStat"]["Metric"]["MetricName"]
        for m in alarm["Metrics"]
        if "MetricStat" in m
    }
    assert inputs == {"low": "LowConfidenceAnswers", "scored": "ScoredAnswers"}
    assert alarm["Threshold"] == {"Ref": "LowConfidenceAlarmPercent"}
    assert alarm["TreatMissingData"] == "notBreaching"  # no traffic is not a bad model


def test_pitfall_deployment_preference_needs_auto_publish_alias() -> None:
    template = copy.deepcopy(TEMPLATE)
    properties = template["Resources"]["ClassifierFunction"]["Properties"]
    del properties["AutoPublishAlias"], properties["ProvisionedConcurrencyConfig"]
    refused = transform({}, template)
    assert refused["error"] == "InvalidDocumentException"
    assert "AutoPublishAlias" in refused["message"]
    assert RESOURCES["ClassifierFunction"]["Properties"]["AutoPublishAlias"] == "live"


def test_the_worker_keeps_all_at_once(canary: dict) -> None:
    """Its SQS messages are retried; see docs/deploying-a-new-model-safely.md for a bad one."""
    assert "DeploymentPreference" not in RESOURCES["WorkerFunction"]["Properties"]
    _, live = alias(canary, "WorkerFunction")
    assert "UpdatePolicy" not in live


def test_provisioned_concurrency_is_off_by_default_and_sits_on_the_alias(canary: dict) -> None:
    assert TEMPLATE["Parameters"]["ProvisionedConcurrency"]["Default"] == 0
    default = transformed_template({})
    _, live = alias(default["Resources"], "ClassifierFunction")
    assert "ProvisionedConcurrencyConfig" not in Evaluator(default).resolve(live["Properties"])
    _, live = alias(canary, "ClassifierFunction")
    resolved = Evaluator(transformed_template(CANARY), CANARY).resolve(live["Properties"])
    assert resolved["ProvisionedConcurrencyConfig"] == {"ProvisionedConcurrentExecutions": "5"}


def test_pitfall_provisioned_concurrency_with_a_weighted_alias(canary: dict) -> None:
    """During a canary CodeDeploy weights the alias between two versions, and Lambda splits
    the alias's provisioned environments between them. Provisioned concurrency on a version
    would stay with the old one (or be lost on rollback): it is on the shifted alias only."""
    _, live = alias(canary, "ClassifierFunction")
    assert "CodeDeployLambdaAliasUpdate" in live["UpdatePolicy"]
    assert "ProvisionedConcurrencyConfig" in live["Properties"]
    versions = [r for r in canary.values() if r["Type"] == "AWS::Lambda::Version"]
    assert versions
    assert not [v for v in versions if "ProvisionedConcurrencyConfig" in v["Properties"]]


@pytest.mark.parametrize(
    ("snapstart", "provisioned", "accepted"),
    [("false", "0", True), ("true", "0", True), ("false", "5", True), ("true", "5", False)],
)
def test_snapstart_and_provisioned_concurrency_are_refused_together(
    snapstart: str, provisioned: str, accepted: bool
) -> None:
    rule = TEMPLATE["Rules"]["SnapStartWithoutProvisionedConcurrency"]
    (assertion,) = rule["Assertions"]
    evaluator = Evaluator(TEMPLATE, {"SnapStart": snapstart, "ProvisionedConcurrency": provisioned})
    assert evaluator.resolve(assertion["Assert"]) is accepted
    assert "SnapStart" in assertion["AssertDescription"]
    assert "ProvisionedConcurrency" in assertion["AssertDescription"]


def test_cfn_lint_passes_with_a_canary_and_provisioned_concurrency() -> None:
    parameters = [f"{name}={value}" for name, value in CANARY.items()]
    result = run([tool("cfn-lint"), "template.yaml", "--parameters", *parameters])
    assert result.returncode == 0, result.stdout + result.stderr
