"""The pre-traffic hook in the template: the version it checks, its name, its image, and its
least privilege, on SAM's own transform."""

from __future__ import annotations

from canary_template import alias, canary
from cfn import load_template
from test_template import iam_statements

__all__ = ["canary"]  # a fixture, imported for pytest

RESOURCES = load_template()["Resources"]


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
