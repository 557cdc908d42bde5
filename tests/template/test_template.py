"""template.yaml: linted by cfn-lint and `sam validate --lint`, and its key properties asserted."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from cfn import REPO, load_template

from function.api.media_types import RAW_BODY_MEDIA_TYPES

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
API_GATEWAY_INTEGRATION_TIMEOUT = 29


def tool(name: str) -> str:
    """A checker from its own virtualenv; `make test` sets REQUIRE_TOOLS so CI never skips."""
    candidates = [REPO / venv / "bin" / name for venv in (".venv-tools", ".venv-checkov")]
    found = next((str(c) for c in candidates if c.exists()), None) or shutil.which(name)
    if found:
        return found
    if os.environ.get("REQUIRE_TOOLS"):
        pytest.fail(f"{name} is not installed: run `make tools`")
    pytest.skip(f"{name} not installed (run `make tools`)")


def offline_aws_env() -> dict[str, str]:
    """The checks run offline: a region and dummy credentials, and no telemetry."""
    return {
        **os.environ,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SAM_CLI_TELEMETRY": "0",
    }


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, cwd=REPO, env=offline_aws_env(), capture_output=True, text=True, timeout=300
    )


def test_cfn_lint_passes() -> None:
    result = run([tool("cfn-lint"), "template.yaml"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = run(
        [tool("sam"), "validate", "--lint", "--region", "us-east-1", "-t", "template.yaml"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def function_resource() -> dict:
    """The API's function (the SQS worker, WorkerFunction, has tests of its own)."""
    return RESOURCES["ClassifierFunction"]


def test_function_is_a_container_image_built_from_our_dockerfile() -> None:
    function = function_resource()
    assert function["Properties"]["PackageType"] == "Image"
    metadata = function["Metadata"]
    assert metadata["Dockerfile"] == "Dockerfile"
    assert (REPO / metadata["DockerContext"] / metadata["Dockerfile"]).is_file()
    assert metadata["DockerTag"]


def test_rest_api_accepts_binary_uploads() -> None:
    (api,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::Serverless::Api"]
    binary = set(api["Properties"]["BinaryMediaTypes"])
    # "~1" is how a template escapes "/"; each accepted type literally, because
    # `sam local start-api` never expands a wildcard such as image~1* (API Gateway does).
    expected = {t.replace("/", "~1") for t in ("multipart/form-data", *RAW_BODY_MEDIA_TYPES)}
    assert binary == expected
    assert not any("*" in media_type for media_type in binary)


def events() -> dict[tuple[str, str], dict]:
    found = {}
    for event in function_resource()["Properties"]["Events"].values():
        assert event["Type"] == "Api"  # REST API: binary media types and API keys
        properties = event["Properties"]
        found[(properties["Method"].upper(), properties["Path"])] = properties
    return found


def test_routes() -> None:
    assert set(events()) == {
        ("POST", "/classify"),
        ("OPTIONS", "/classify"),
        ("GET", "/health"),
        ("GET", "/"),
        ("GET", "/static/{name}"),
        ("POST", "/classify/batch"),
        ("OPTIONS", "/classify/batch"),
        ("POST", "/uploads"),
        ("OPTIONS", "/uploads"),
        ("POST", "/jobs"),
        ("OPTIONS", "/jobs"),
        ("GET", "/jobs/{job_id}"),
        ("OPTIONS", "/jobs/{job_id}"),
        ("GET", "/results"),
        ("OPTIONS", "/results"),
    }


def test_timeout_stays_below_api_gateways_integration_timeout() -> None:
    timeout = TEMPLATE["Parameters"]["Timeout"]
    assert timeout["MaxValue"] < API_GATEWAY_INTEGRATION_TIMEOUT
    assert timeout["Default"] <= timeout["MaxValue"]
    assert function_resource()["Properties"]["Timeout"] == {"Ref": "Timeout"}


def test_architecture_and_memory_are_parameters() -> None:
    parameters = TEMPLATE["Parameters"]
    assert set(parameters["Architecture"]["AllowedValues"]) == {"x86_64", "arm64"}
    properties = function_resource()["Properties"]
    assert properties["Architectures"] == [{"Ref": "Architecture"}]
    assert properties["MemorySize"] == {"Ref": "MemorySize"}


def test_outputs_the_api_url() -> None:
    url = TEMPLATE["Outputs"]["ApiUrl"]["Value"]["Fn::Sub"]
    assert url.startswith("https://${ClassifierApi}.execute-api.")


def api_resource() -> dict:
    (api,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::Serverless::Api"]
    return api


def test_api_keys_are_the_default_auth_mode() -> None:
    """What each method requires in each AuthMode is checked on SAM's transform in
    test_auth_modes.py; by default, today's API keys."""
    assert TEMPLATE["Parameters"]["AuthMode"]["Default"] == "API_KEY"
    routes = events()
    assert ("GET", "/health") in routes
    assert ("OPTIONS", "/classify") in routes


def test_usage_plan_throttles_and_limits_each_key() -> None:
    plan = api_resource()["Properties"]["Auth"]["UsagePlan"]
    assert plan["CreateUsagePlan"] == "PER_API"
    assert plan["Throttle"] == {
        "RateLimit": {"Ref": "ThrottleRateLimit"},
        "BurstLimit": {"Ref": "ThrottleBurstLimit"},
    }
    assert plan["Quota"] == {"Limit": {"Ref": "QuotaLimit"}, "Period": {"Ref": "QuotaPeriod"}}
    parameters = TEMPLATE["Parameters"]
    assert (
        0
        < parameters["ThrottleRateLimit"]["Default"]
        <= parameters["ThrottleBurstLimit"]["Default"]
    )
    (stage,) = api_resource()["Properties"]["MethodSettings"]
    assert stage["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}


def test_gateway_rejections_answer_in_our_error_shape() -> None:
    responses = api_resource()["Properties"]["GatewayResponses"]
    expected = {
        "THROTTLED": ("429", "throttled"),
        "QUOTA_EXCEEDED": ("429", "quota_exceeded"),
        "INVALID_API_KEY": ("403", "invalid_api_key"),
        "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
        "INTEGRATION_TIMEOUT": ("504", "timeout"),
        "ACCESS_DENIED": ("403", "forbidden"),
        "REQUEST_TOO_LARGE": ("413", "payload_too_large"),
        "DEFAULT_4XX": (None, "bad_request"),
        "DEFAULT_5XX": (None, "gateway_error"),
    }
    for name, (status, code) in expected.items():
        response = responses[name]
        assert response.get("StatusCode") == status, name
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["error"]["code"] == code
        assert body["error"]["message"]
        assert body["error"]["request_id"] == "$context.requestId"


def test_cors_is_explicit_and_never_a_wildcard() -> None:
    parameter = TEMPLATE["Parameters"]["CorsAllowedOrigins"]
    assert parameter["Default"] == ""
    pattern = re.compile(parameter["AllowedPattern"])
    for accepted in ("", "https://app.example.com", "https://a.example,http://localhost:3000"):
        assert pattern.fullmatch(accepted), accepted
    for refused in ("*", "https://a.example,*", "https://*.example.com"):
        assert not pattern.fullmatch(refused), refused
    variables = function_resource()["Properties"]["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == {"Ref": "CorsAllowedOrigins"}
    assert "Cors" not in api_resource()["Properties"]


def iam_statements(role: str | None = None) -> list[dict]:
    """Every role's statements, or one role's."""
    statements = []
    for name, resource in RESOURCES.items():
        if resource["Type"] != "AWS::IAM::Role" or role not in (None, name):
            continue
        for policy in resource["Properties"].get("Policies", []):
            if "Fn::If" in policy:
                _, policy, _ = policy["Fn::If"]
            for statement in policy["PolicyDocument"]["Statement"]:
                if "Fn::If" in statement:  # a statement that only some parameters add
                    _, statement, _ = statement["Fn::If"]
                statements.append(statement)
    return statements


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_least_privilege_no_wildcards_except_xray() -> None:
    statements = iam_statements()
    assert statements
    for statement in statements:
        actions = as_list(statement["Action"])
        assert all("*" not in action for action in actions), statement
        if statement["Resource"] == "*":
            assert all(action.startswith("xray:") for action in actions), statement
    function = function_resource()["Properties"]
    assert function["Role"] == {"Fn::GetAtt": "ClassifierRole.Arn"}
    assert "Policies" not in function  # no SAM policy templates or managed policies
    assert "ManagedPolicyArns" not in RESOURCES["ClassifierRole"]["Properties"]


def test_logs_go_to_a_log_group_with_retention() -> None:
    group = RESOURCES["ClassifierLogGroup"]["Properties"]
    assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert function_resource()["Properties"]["LoggingConfig"] == {
        "LogGroup": {"Ref": "ClassifierLogGroup"}
    }
    (logs,) = [
        s for s in iam_statements("ClassifierRole") if "logs:PutLogEvents" in as_list(s["Action"])
    ]
    assert logs["Resource"] == {"Fn::GetAtt": "ClassifierLogGroup.Arn"}


def test_tracing_is_a_parameter_for_api_and_function() -> None:
    assert TEMPLATE["Parameters"]["Tracing"]["AllowedValues"] == ["true", "false"]
    function = function_resource()["Properties"]
    assert function["Tracing"] == {"Fn::If": ["TracingOn", "Active", "PassThrough"]}
    variables = function["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["TracingOn", "false", "true"]}
    assert api_resource()["Properties"]["TracingEnabled"] == {"Fn::If": ["TracingOn", True, False]}


def test_no_secrets_and_no_event_logging_in_the_environment() -> None:
    variables = function_resource()["Properties"]["Environment"]["Variables"]
    assert not [
        name for name in variables if any(w in name for w in ("SECRET", "PASSWORD", "TOKEN"))
    ]
    assert "POWERTOOLS_LOGGER_LOG_EVENT" not in variables  # events hold images and API keys


def test_alarms_on_5xx_and_p99_latency_with_optional_topic() -> None:
    every_alarm = [
        r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    # Metric-math alarms (prediction health) have no MetricName: test_safe_deployments.py.
    alarms = {a["MetricName"]: a for a in every_alarm if a.get("Namespace") == "AWS/ApiGateway"}
    assert alarms["5XXError"]["Statistic"] == "Sum"
    assert alarms["Latency"]["ExtendedStatistic"] == "p99"
    assert alarms["Latency"]["Threshold"] == {"Ref": "LatencyAlarmMilliseconds"}
    for alarm in every_alarm:
        assert alarm["AlarmActions"] == {
            "Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]
        }


def test_checkov_finds_nothing_unsuppressed() -> None:
    command = [tool("checkov"), "-f", "template.yaml", "--framework", "cloudformation"]
    result = run([*command, "--skip-download", "--output", "json"])
    report = json.loads(result.stdout)
    summary = report["summary"]
    failed = [check["check_id"] for check in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, failed
    assert summary["passed"] > 0
    for skipped in report["results"]["skipped_checks"]:
        assert len(skipped["check_result"].get("suppress_comment", "")) > 20, skipped["check_id"]
