"""AuthMode on SAM's own transform: what each API method requires, in each mode.

API Gateway reads a REST API's auth from its OpenAPI body: a security requirement naming
an `awsSigv4` definition makes the method AWS_IAM, a `cognito_user_pools` one makes it
COGNITO_USER_POOLS with that definition's authorizer, and the `x-api-key` definition sets
ApiKeyRequired. The Fn::If conditions are resolved as CloudFormation would (cfn_eval).
"""

from __future__ import annotations

from typing import NamedTuple

import pytest
from cfn import load_template
from cfn_eval import Evaluator
from sam_transform import transformed_template
from test_template import run, tool

TEMPLATE = load_template()
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEfGhI"
MODES = {
    "API_KEY": {"AuthMode": "API_KEY"},
    "IAM": {"AuthMode": "IAM"},
    "COGNITO": {"AuthMode": "COGNITO", "CognitoUserPoolArn": POOL},
}


class MethodAuth(NamedTuple):
    authorization_type: str
    authorizer_id: str | None
    api_key_required: bool


OPEN = MethodAuth("NONE", None, False)
EXPECTED = {
    "API_KEY": MethodAuth("NONE", None, True),
    "IAM": MethodAuth("AWS_IAM", None, False),
    "COGNITO": MethodAuth("COGNITO_USER_POOLS", "cognito", False),
}


def is_open(method: str, path: str) -> bool:
    """CORS preflights, /health, and the try-it page (GET /) with its static files."""
    return (
        method == "OPTIONS"
        or (method, path) in {("GET", "/health"), ("GET", "/")}
        or (method == "GET" and path.startswith("/static"))
    )


def method_auth(operation: dict, definitions: dict) -> MethodAuth:
    kind, authorizer, api_key = "NONE", None, False
    for requirement in operation.get("security", []):
        for name in requirement:
            definition = definitions[name]  # KeyError: a requirement with no definition
            authtype = definition.get("x-amazon-apigateway-authtype")
            if authtype == "awsSigv4":
                kind = "AWS_IAM"
            elif authtype == "cognito_user_pools":
                kind, authorizer = "COGNITO_USER_POOLS", name
            elif definition == {"type": "apiKey", "name": "x-api-key", "in": "header"}:
                api_key = True
            else:
                raise AssertionError(f"unknown security definition {name}: {definition}")
    return MethodAuth(kind, authorizer, api_key)


def resolved_body(parameters: dict) -> dict:
    transformed = transformed_template(parameters)
    assert "error" not in transformed, transformed
    body = transformed["Resources"]["ClassifierApi"]["Properties"]["Body"]
    return Evaluator(transformed, parameters).resolve(body)


@pytest.fixture(scope="module", params=sorted(MODES))
def mode_and_body(request: pytest.FixtureRequest) -> tuple[str, dict]:
    return request.param, resolved_body(MODES[request.param])


def methods(body: dict) -> dict[tuple[str, str], MethodAuth]:
    definitions = body.get("securityDefinitions", {})
    return {
        (method.upper(), path): method_auth(operation, definitions)
        for path, operations in body["paths"].items()
        for method, operation in operations.items()
    }


def test_every_method_requires_the_mode_except_the_open_ones(mode_and_body) -> None:
    mode, body = mode_and_body
    found = methods(body)
    keyed = {route for route in found if not is_open(*route)}
    assert {("POST", "/classify"), ("GET", "/jobs/{job_id}"), ("GET", "/results")} <= keyed
    for route, auth in found.items():
        assert auth == (EXPECTED[mode] if route in keyed else OPEN), (mode, route)


def test_every_event_route_is_in_the_api_with_its_auth(mode_and_body) -> None:
    """A route added to the function's Events but not to the secured paths would be open."""
    mode, body = mode_and_body
    found = methods(body)
    events = TEMPLATE["Resources"]["ClassifierFunction"]["Properties"]["Events"].values()
    routes = {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events}
    assert routes == set(found)
    assert {found[r] for r in routes if not is_open(*r)} == {EXPECTED[mode]}


def test_cognito_authorizer_exists_only_in_cognito_mode(mode_and_body) -> None:
    mode, body = mode_and_body
    definitions = body["securityDefinitions"]
    if mode != "COGNITO":
        assert "cognito" not in definitions  # API Gateway would create it, with an empty ARN
        return
    authorizer = definitions["cognito"]["x-amazon-apigateway-authorizer"]
    assert authorizer == {"type": "cognito_user_pools", "providerARNs": [POOL]}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_cfn_lint_passes_in_each_mode(mode: str) -> None:
    parameters = [f"{name}={value}" for name, value in MODES[mode].items()]
    result = run([tool("cfn-lint"), "template.yaml", "--parameters", *parameters])
    assert result.returncode == 0, result.stdout + result.stderr


def test_cognito_mode_without_a_pool_is_refused_by_a_rule() -> None:
    rule = TEMPLATE["Rules"]["CognitoModeNeedsAUserPool"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "AuthMode"}, "COGNITO"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "CognitoUserPoolArn"}, ""]}]}
    assert "CognitoUserPoolArn" in assertion["AssertDescription"]


def test_usage_plan_and_stage_throttle_stay_in_every_mode() -> None:
    """Per-key limits apply where keys are required (API_KEY); the stage ceiling, always."""
    for parameters in MODES.values():
        resources = transformed_template(parameters)["Resources"]
        assert {"ClassifierApiUsagePlan", "ClassifierApiApiKey"} <= set(resources)
        (setting,) = resources["ClassifierApiStage"]["Properties"]["MethodSettings"]
        assert setting["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
