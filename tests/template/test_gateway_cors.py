"""Gateway responses (the 403, 413, 429 and 504 API Gateway writes itself) carry
Access-Control-Allow-Origin when CorsAllowedOrigins is set (issue 18, item 10): without it a
browser cannot read why it was refused. Checked on the template and on SAM's transform of it,
with parameter values resolved as CloudFormation would."""

from __future__ import annotations

import json
import subprocess

import pytest
import test_snapstart_template as snapstart
from cfn import REPO, load_template
from cfn_eval import Evaluator
from test_template import offline_aws_env, tool

TEMPLATE = load_template()
HEADER = "Access-Control-Allow-Origin"
# Every response API Gateway writes without the function: the missing or invalid key (403),
# throttling and quota (429), a body over 10 MB (413), the integration time-out (504), and
# whatever else falls to the defaults.
REFUSALS = {
    "INVALID_API_KEY",
    "ACCESS_DENIED",
    "MISSING_AUTHENTICATION_TOKEN",
    "THROTTLED",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "INTEGRATION_TIMEOUT",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
}
ORIGINS = "https://app.example.com,https://admin.example.com"


def gateway_responses(origins: str) -> dict[str, dict]:
    evaluator = Evaluator(TEMPLATE, {"CorsAllowedOrigins": origins})
    api = TEMPLATE["Resources"]["ClassifierApi"]["Properties"]
    return evaluator.resolve(api["GatewayResponses"])


def test_every_gateway_refusal_is_readable_by_the_first_origin() -> None:
    responses = gateway_responses(ORIGINS)
    assert set(responses) == REFUSALS
    for name, response in responses.items():
        # A static value, in the single quotes API Gateway wants for one.
        assert response["ResponseParameters"]["Headers"] == {HEADER: "'https://app.example.com'"}, (
            name
        )


def test_one_origin_is_that_origin() -> None:
    for response in gateway_responses("https://app.example.com").values():
        assert response["ResponseParameters"]["Headers"][HEADER] == "'https://app.example.com'"


def test_without_origins_no_gateway_response_sends_cors_headers() -> None:
    for name, response in gateway_responses("").items():
        assert response["ResponseParameters"]["Headers"] == {}, name


@pytest.fixture(scope="module")
def transformed() -> dict:
    tool("sam")  # skips, or fails under `make test`, without the tools virtualenv
    python = str(REPO / ".venv-tools" / "bin" / "python")
    result = subprocess.run(
        [python, "-c", snapstart.TRANSFORM, str(REPO / "tests" / "template")],
        env=offline_aws_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("origins", "expected"), [(ORIGINS, "'https://app.example.com'"), ("", None)]
)
def test_sams_transform_keeps_the_header_in_the_deployed_api(transformed, origins, expected):
    """What API Gateway receives: the x-amazon-apigateway-gateway-responses of the body."""
    evaluator = Evaluator(transformed, {"CorsAllowedOrigins": origins})
    body = evaluator.resolve(transformed["Resources"]["ClassifierApi"]["Properties"]["Body"])
    responses = body["x-amazon-apigateway-gateway-responses"]
    assert set(responses) == REFUSALS
    for name, response in responses.items():
        parameters = response["responseParameters"]
        assert parameters.get(f"gatewayresponse.header.{HEADER}") == expected, name
