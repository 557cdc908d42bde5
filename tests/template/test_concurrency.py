"""No function reserves concurrency with default parameters: new AWS accounts could not deploy.

Lambda accepts a reservation only if the account keeps its minimum unreserved concurrency
(100 in a standard account); new accounts start with a quota of 10 or 50, where any
reservation fails `sam deploy`. Parameter defaults and Conditions are resolved, not grepped.
"""

from __future__ import annotations

import re

import pytest
from cfn import load_template
from cfn_eval import Evaluator

TEMPLATE = load_template()
FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
# Both take concurrency out of the account's unreserved pool.
RESERVING_PROPERTIES = ("ReservedConcurrentExecutions", "ProvisionedConcurrencyConfig")
PROVISIONED_TYPES = {"AWS::Lambda::Alias", "AWS::Lambda::Version"}


def reservations(template: dict, overrides: dict | None = None) -> dict[str, dict]:
    """Per existing resource, the reserving properties it sets with these parameter values."""
    evaluator = Evaluator(template, overrides)
    globals_ = template.get("Globals", {}).get("Function", {})
    found = {}
    for name, resource in template["Resources"].items():
        if "Condition" in resource and not evaluator.condition(resource["Condition"]):
            continue
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties = {**globals_, **properties}
        elif resource["Type"] not in FUNCTION_TYPES | PROVISIONED_TYPES:
            continue
        resolved = evaluator.resolve({key: properties.get(key) for key in RESERVING_PROPERTIES})
        found[name] = {key: value for key, value in resolved.items() if value is not None}
    return found


def referenced_parameters(value) -> set[str]:
    if isinstance(value, dict):
        own = {value["Ref"]} if set(value) == {"Ref"} else set()
        return own.union(*(referenced_parameters(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(referenced_parameters(item) for item in value))
    return set()


def reservation_parameters(properties: tuple[str, ...] = RESERVING_PROPERTIES) -> set[str]:
    """Every parameter a function's reservation is built from, directly or through Fn::If."""
    names: set[str] = set()
    for resource in TEMPLATE["Resources"].values():
        for key in properties:
            names |= referenced_parameters(resource.get("Properties", {}).get(key))
    return names & set(TEMPLATE["Parameters"])


def test_no_function_reserves_concurrency_with_default_parameters() -> None:
    found = reservations(TEMPLATE)
    functions = {n for n, r in TEMPLATE["Resources"].items() if r["Type"] in FUNCTION_TYPES}
    assert functions, "no function found"
    assert functions <= set(found)
    for name, reserved in found.items():
        assert reserved == {}, f"{name} reserves concurrency by default: {reserved}"


# Reserved concurrency only: ProvisionedConcurrency is a Number, 0 by default
# (test_safe_deployments.py).
@pytest.mark.parametrize(
    "parameter", sorted(reservation_parameters(("ReservedConcurrentExecutions",)))
)
def test_a_reservation_parameter_is_empty_by_default_and_a_number_sets_it(parameter: str) -> None:
    definition = TEMPLATE["Parameters"][parameter]
    assert definition["Default"] == ""
    pattern = re.compile(definition["AllowedPattern"])
    assert [v for v in ("", "1", "5", "250") if pattern.fullmatch(v)] == ["", "1", "5", "250"]
    assert not [v for v in ("0", "-1", "5.5", "five", " 5") if pattern.fullmatch(v)]
    set_to_seven = reservations(TEMPLATE, {parameter: "7"})
    assert {"ReservedConcurrentExecutions": "7"} in set_to_seven.values()
    assert [r for r in set_to_seven.values() if r] == [{"ReservedConcurrentExecutions": "7"}]


def test_the_classifier_reservation_is_a_parameter() -> None:
    assert "ReservedConcurrency" in reservation_parameters()


def test_memory_default_fits_a_new_account() -> None:
    """New accounts may be held to 3008 MB of function memory until their quotas grow."""
    assert TEMPLATE["Parameters"]["MemorySize"]["Default"] <= 3008
