"""The template transformed with a canary and provisioned concurrency, and its aliases."""

from __future__ import annotations

import pytest
from sam_transform import transformed_template

CANARY = {"DeploymentType": "Canary10Percent5Minutes", "ProvisionedConcurrency": "5"}


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
