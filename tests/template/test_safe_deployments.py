"""Canary deployments of the API function, its pre-traffic hook, and provisioned concurrency,
on SAM's own transform, with SAM's documented pitfalls each shown on a variant."""

from __future__ import annotations

import copy

import pytest
from cfn import load_template
from cfn_eval import Evaluator
from sam_transform import transform, transformed_template
from test_template import iam_statements, run, tool

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
CANARY = {"DeploymentType": "Canary10Percent5Minutes", "ProvisionedConcurrency": "5"}
DEPLOYMENT_ALARMS = {
    "ServerErrorAlarm",
    "LatencyAlarm",
    "FunctionErrorsAlarm",
    "InternalErrorsAlarm",
    "PredictionHealthAlarm",
}


@pytest.fixture(scope="module")
def canary() -> dict:
    return transformed_template(CANARY)["Resources"]


def alias(resources: dict, function: str) -> tuple[str, dict]:
    (found,) = [
        (name, r)
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::Alias"
        and r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    return found


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


def test_pitfall_the_hook_checks_the_new_version_of_the_alias_it_guards(canary: dict) -> None:
    """CodeDeploy calls the hook before the alias moves: invoking the alias would test the
    old model, so the hook is given the very version the alias is about to point to."""
    name, live = alias(canary, "ClassifierFunction")
    update = live["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    assert update["BeforeAllowTrafficHook"] == {"Ref": "PreTrafficHookFunction"}
    assert update["DeploymentGroupName"] == {"Ref": "ClassifierFunctionDeploymentGroup"}
    version = live["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]
    variables = canary["PreTrafficHookFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["TARGET_FUNCTION_VERSION"] == {"Ref": version}
    assert variables["TARGET_ALIAS"] == {"Ref": name}


def test_the_hook_is_named_so_codedeploy_may_invoke_it(canary: dict) -> None:
    """SAM's CodeDeploy role (AWSCodeDeployRoleForLambda) invokes only CodeDeployHook_*."""
    role = canary["CodeDeployServiceRole"]["Properties"]
    assert role["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda"
    ]
    name, _ = RESOURCES["PreTrafficHookFunction"]["Properties"]["FunctionName"]["Fn::Sub"]
    assert name.startswith("CodeDeployHook_")
    assert len(name.replace("${StackSuffix}", "12345678")) <= 64


def test_the_hook_runs_the_api_image_with_its_own_command() -> None:
    hook = RESOURCES["PreTrafficHookFunction"]
    assert hook["Properties"]["ImageConfig"]["Command"] == ["function.pretraffic.handler"]
    api_metadata = RESOURCES["ClassifierFunction"]["Metadata"]
    for key in ("Dockerfile", "DockerContext", "DockerTag", "DockerBuildArgs"):
        assert hook["Metadata"][key] == api_metadata[key], key
    assert hook["Properties"]["DeploymentPreference"] == {"Enabled": False}


def test_the_hook_has_least_privilege() -> None:
    statements = iam_statements("PreTrafficHookRole")
    granted = {
        (s["Action"] if isinstance(s["Action"], str) else tuple(s["Action"])): s for s in statements
    }
    assert set(granted) == {
        ("logs:CreateLogStream", "logs:PutLogEvents"),
        "lambda:InvokeFunction",
        "codedeploy:PutLifecycleEventHookExecutionStatus",
    }
    assert granted["lambda:InvokeFunction"]["Resource"] == {
        "Fn::Sub": "${ClassifierFunction.Arn}:*"
    }
    codedeploy = granted["codedeploy:PutLifecycleEventHookExecutionStatus"]["Resource"]["Fn::Sub"]
    assert codedeploy.endswith(
        ":deploymentgroup:${ServerlessDeploymentApplication}/${ClassifierFunctionDeploymentGroup}"
    )
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in statements)
    assert "ManagedPolicyArns" not in RESOURCES["PreTrafficHookRole"]["Properties"]
    assert "Policies" not in RESOURCES["PreTrafficHookFunction"]["Properties"]


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
