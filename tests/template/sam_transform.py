"""SAM's own transform of template.yaml (or of a variant of it), for given parameter values.

The translator comes from the aws-sam-cli virtualenv (.venv-tools), so it runs in a
subprocess; the template goes in and the transformed template comes out as JSON.
"""

from __future__ import annotations

import json
import subprocess
from functools import lru_cache
from typing import Any

from cfn import REPO, load_template
from test_template import offline_aws_env, tool

TRANSFORM = """
import json, sys
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

request = json.load(sys.stdin)
try:
    print(json.dumps(transform(request["template"], request["parameters"], NoManagedPolicies())))
except Exception as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
"""


def with_images(template: dict) -> dict:
    """`sam build` fills in every image function's ImageUri; the transform needs one."""
    for resource in template["Resources"].values():
        if resource.get("Properties", {}).get("PackageType") == "Image":
            resource["Properties"]["ImageUri"] = "image:v1"
    return template


def transform(parameters: dict[str, Any], template: dict | None = None) -> dict:
    """The transformed template, or {"error", "message"} when SAM refuses it."""
    tool("sam")  # skips, or fails under `make test`, without the tools virtualenv
    source = with_images(template if template is not None else load_template())
    result = subprocess.run(
        [str(REPO / ".venv-tools" / "bin" / "python"), "-c", TRANSFORM],
        input=json.dumps({"template": source, "parameters": parameters}),
        env=offline_aws_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@lru_cache(maxsize=16)
def _transform_template_json(parameters_json: str) -> str:
    return json.dumps(transform(json.loads(parameters_json)))


def transformed_template(parameters: dict[str, Any]) -> dict:
    """template.yaml's transform for these parameters, computed once per test session."""
    return json.loads(_transform_template_json(json.dumps(parameters, sort_keys=True)))
