"""The condition evaluator the concurrency tests rely on, on a template made for it."""

from __future__ import annotations

import pytest
from cfn_eval import NO_VALUE, Evaluator

TEMPLATE = {
    "Parameters": {
        "Mode": {"Type": "String", "Default": "fast"},
        "Size": {"Type": "Number", "Default": 5},
        "Topic": {"Type": "String", "Default": ""},
    },
    "Conditions": {
        "IsFast": {"Fn::Equals": [{"Ref": "Mode"}, "fast"]},
        "HasTopic": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Topic"}, ""]}]},
        "FastWithTopic": {"Fn::And": [{"Condition": "IsFast"}, {"Condition": "HasTopic"}]},
        "FastOrTopic": {"Fn::Or": [{"Condition": "IsFast"}, {"Condition": "HasTopic"}]},
        "SizeIsFive": {"Fn::Equals": ["5", {"Ref": "Size"}]},
    },
}


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, {"IsFast": True, "HasTopic": False, "FastWithTopic": False, "FastOrTopic": True}),
        ({"Topic": "arn"}, {"HasTopic": True, "FastWithTopic": True, "FastOrTopic": True}),
        ({"Mode": "slow"}, {"IsFast": False, "FastWithTopic": False, "FastOrTopic": False}),
        ({"Mode": "slow", "Topic": "a"}, {"FastWithTopic": False, "FastOrTopic": True}),
    ],
)
def test_conditions_follow_the_parameters(overrides: dict, expected: dict) -> None:
    evaluator = Evaluator(TEMPLATE, overrides)
    assert {name: evaluator.condition(name) for name in expected} == expected


def test_numbers_compare_as_strings_like_cloudformation() -> None:
    assert Evaluator(TEMPLATE).condition("SizeIsFive") is True
    assert Evaluator(TEMPLATE, {"Size": 6}).condition("SizeIsFive") is False


def test_if_and_no_value_remove_the_property_or_list_item() -> None:
    properties = {
        "Limit": {"Fn::If": ["HasTopic", {"Ref": "Size"}, {"Ref": "AWS::NoValue"}]},
        "Targets": [{"Fn::If": ["HasTopic", {"Ref": "Topic"}, {"Ref": "AWS::NoValue"}]}, "x"],
        "Name": {"Fn::Sub": "${AWS::StackName}-api"},
        "Role": {"Ref": "SomeResource"},
    }
    assert Evaluator(TEMPLATE).resolve(properties) == {
        "Targets": ["x"],
        "Name": {"Fn::Sub": "${AWS::StackName}-api"},
        "Role": {"Ref": "SomeResource"},
    }
    with_topic = Evaluator(TEMPLATE, {"Topic": "arn"}).resolve(properties)
    assert (with_topic["Limit"], with_topic["Targets"]) == ("5", ["arn", "x"])
    assert Evaluator(TEMPLATE).resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_mistakes_in_the_template_are_errors_not_false() -> None:
    with pytest.raises(KeyError, match="NoSuchCondition"):
        Evaluator(TEMPLATE).resolve({"Fn::If": ["NoSuchCondition", 1, 2]})
    with pytest.raises(TypeError, match="Fn::Not"):
        Evaluator(TEMPLATE).resolve({"Fn::Not": ["true"]})
    with pytest.raises(KeyError, match="no default"):
        Evaluator({"Parameters": {"Required": {"Type": "String"}}})


def test_join_select_and_split_resolve_once_their_arguments_are_known() -> None:
    first = {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": "Topic"}]}]}
    quoted = {"Fn::Join": ["", ["'", first, "'"]]}
    assert Evaluator(TEMPLATE, {"Topic": "a,b"}).resolve(quoted) == "'a'"
    unknown = {"Fn::Join": ["-", [{"Ref": "SomeResource"}, "x"]]}
    assert Evaluator(TEMPLATE).resolve(unknown) == unknown


def test_rules_report_the_assertions_that_fail() -> None:
    template = {
        **TEMPLATE,
        "Rules": {
            "TopicNeedsFast": {
                "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Topic"}, ""]}]},
                "Assertions": [
                    {"Assert": {"Fn::Equals": [{"Ref": "Mode"}, "fast"]}, "AssertDescription": "m"},
                    {"Assert": {"Fn::Contains": [["5", "6"], {"Ref": "Size"}]}},
                ],
            }
        },
    }
    assert Evaluator(template, {"Mode": "slow"}).failed_assertions() == []  # no topic: skipped
    assert Evaluator(template, {"Topic": "a"}).failed_assertions() == []
    failed = Evaluator(template, {"Topic": "a", "Mode": "slow", "Size": 7}).failed_assertions()
    assert failed == ["m", "TopicNeedsFast"]
