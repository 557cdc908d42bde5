"""template.yaml: linted by cfn-lint and `sam validate --lint`, and its key properties asserted."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cfn import REPO, load_template

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
API_GATEWAY_INTEGRATION_TIMEOUT = 29


def tool(name: str) -> str:
    """A checker from .venv-tools; `make test` sets REQUIRE_TOOLS so CI can never skip these."""
    candidates = [Path(os.environ.get("TOOLS_BIN", REPO / ".venv-tools" / "bin")) / name]
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
    (function,) = [r for r in RESOURCES.values() if r["Type"] == "AWS::Serverless::Function"]
    return function


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
    assert {"multipart~1form-data", "image~1*"} <= binary


def test_routes() -> None:
    events = function_resource()["Properties"]["Events"].values()
    routes = {(e["Properties"]["Method"].upper(), e["Properties"]["Path"]) for e in events}
    assert routes == {("POST", "/classify"), ("GET", "/health")}
    assert all(e["Type"] == "Api" for e in events)  # REST API: binary media types, API keys


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
