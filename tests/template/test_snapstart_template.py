"""The SnapStart parameter: off by default; on, only published versions, behind an alias
that every event source invokes. Checked on SAM's own transform of the template."""

from __future__ import annotations

import json
import subprocess

import pytest
from cfn import REPO, load_template
from test_template import offline_aws_env, tool

TEMPLATE = load_template()

# SAM's translator (from the aws-sam-cli virtualenv) expands the serverless resources.
TRANSFORM = """
import json, sys
sys.path.insert(0, sys.argv[1])
from cfn import load_template
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

template = load_template()
for resource in template["Resources"].values():  # sam build fills in every image function's
    if resource["Properties"].get("PackageType") == "Image":
        resource["Properties"]["ImageUri"] = "image:v1"
print(json.dumps(transform(template, {"SnapStart": "true"}, NoManagedPolicies())))
"""


@pytest.fixture(scope="module")
def transformed() -> dict:
    python = str(REPO / ".venv-tools" / "bin" / "python")
    tool("sam")  # skips, or fails under `make test`, without the tools virtualenv
    result = subprocess.run(
        [python, "-c", TRANSFORM, str(REPO / "tests" / "template")],
        env=offline_aws_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_snapstart_is_a_parameter_off_by_default() -> None:
    parameter = TEMPLATE["Parameters"]["SnapStart"]
    assert parameter["Default"] == "false"
    assert parameter["AllowedValues"] == ["true", "false"]
    for limit in ("published versions", "provisioned concurrency", "512 MB", "10 s"):
        assert limit in parameter["Description"], limit
    assert TEMPLATE["Conditions"]["SnapStartOn"] == {"Fn::Equals": [{"Ref": "SnapStart"}, "true"]}


@pytest.mark.parametrize("function", ["ClassifierFunction", "WorkerFunction"])
def test_snapstart_applies_to_published_versions_only(function: str) -> None:
    properties = TEMPLATE["Resources"][function]["Properties"]
    assert properties["SnapStart"] == {
        "ApplyOn": {"Fn::If": ["SnapStartOn", "PublishedVersions", "None"]}
    }
    assert properties["AutoPublishAlias"] == "live"


def aliases(resources: dict) -> dict[str, str]:
    """The function each "live" alias belongs to -> the alias's logical name."""
    found = {}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Alias":
            assert resource["Properties"]["Name"] == "live"
            found[resource["Properties"]["FunctionName"]["Ref"]] = name
    return found


def test_the_worker_queue_invokes_the_alias_never_latest(transformed: dict) -> None:
    resources = transformed["Resources"]
    alias = aliases(resources)["WorkerFunction"]
    (mapping,) = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert mapping["Properties"]["FunctionName"] == {"Ref": alias}


def test_the_api_invokes_the_alias_never_latest(transformed: dict) -> None:
    resources = transformed["Resources"]
    alias = aliases(resources)["ClassifierFunction"]
    assert resources[alias]["Properties"]["Name"] == "live"
    body = resources["ClassifierApi"]["Properties"]["Body"]
    for path in body["paths"].values():
        for operation in path.values():
            uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
            assert f"${{{alias}}}/invocations" in uri, uri
    permissions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"]
    assert permissions
    assert all(p["Properties"]["FunctionName"] == {"Ref": alias} for p in permissions)
