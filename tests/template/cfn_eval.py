"""What a template's properties become for given parameter values, as CloudFormation sees them.

Resolves Ref of parameters (and AWS::NoValue), Conditions, Fn::Equals, Fn::Not, Fn::And,
Fn::Or and Fn::If; Fn::Join, Fn::Select and Fn::Split once their arguments are known; and the
Rules section's assertions (with Fn::Contains). Anything else (Fn::Sub, Fn::GetAtt, Ref of a
resource) is kept unresolved.
"""

from __future__ import annotations

from typing import Any

NO_VALUE = type("NoValue", (), {"__repr__": lambda self: "AWS::NoValue"})()
BOOLEAN_FUNCTIONS = {"Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"}
STRING_FUNCTIONS = {"Fn::Join", "Fn::Select", "Fn::Split", "Fn::Contains"}


def parameter_values(template: dict, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults with overrides applied; like CloudFormation, every scalar value is a string."""
    values = {}
    for name, parameter in template.get("Parameters", {}).items():
        value = (overrides or {}).get(name, parameter.get("Default"))
        if value is None:
            raise KeyError(f"parameter {name} has no default: pass a value")
        values[name] = value if isinstance(value, list) else str(value)
    return values


class Evaluator:
    def __init__(self, template: dict, overrides: dict[str, Any] | None = None):
        self.parameters = parameter_values(template, overrides)
        self.definitions = template.get("Conditions", {})
        self.conditions: dict[str, bool] = {}
        self.rules = template.get("Rules", {})

    def failed_assertions(self) -> list[str]:
        """The AssertDescription of every rule assertion these parameter values break, as
        CloudFormation checks them before it creates or changes anything."""
        failed = []
        for name, rule in self.rules.items():
            if "RuleCondition" in rule and not self._boolean(rule["RuleCondition"], name):
                continue
            for assertion in rule["Assertions"]:
                if not self._boolean(assertion["Assert"], name):
                    failed.append(assertion.get("AssertDescription", name))
        return failed

    def _boolean(self, expression: Any, where: str) -> bool:
        value = self.resolve(expression)
        if not isinstance(value, bool):
            raise TypeError(f"rule {where} is not a boolean: {value!r}")
        return value

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            if name not in self.definitions:
                raise KeyError(f"no condition named {name}")
            value = self.resolve(self.definitions[name])
            if not isinstance(value, bool):
                raise TypeError(f"condition {name} is not a boolean: {value!r}")
            self.conditions[name] = value
        return self.conditions[name]

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic this evaluator knows replaced by its result."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            result = self.intrinsic(function, argument)
            if result is not NotImplemented:
                return result
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def intrinsic(self, function: str, argument: Any) -> Any:
        if function == "Ref":
            if argument == "AWS::NoValue":
                return NO_VALUE
            return self.parameters.get(argument, {"Ref": argument})
        if function == "Condition":
            return self.condition(argument)
        if function == "Fn::If":
            name, when_true, when_false = argument
            return self.resolve(when_true if self.condition(name) else when_false)
        if function in STRING_FUNCTIONS:
            return self._string_function(function, self.resolve(argument))
        if function not in BOOLEAN_FUNCTIONS:
            return NotImplemented
        values = [self.resolve(item) for item in argument]
        if function == "Fn::Equals":
            left, right = (v if isinstance(v, (list, dict)) else str(v) for v in values)
            return left == right
        if not all(isinstance(v, bool) for v in values):
            raise TypeError(f"{function} needs conditions, got {values!r}")
        if function == "Fn::Not":
            (only,) = values
            return not only
        return all(values) if function == "Fn::And" else any(values)

    @staticmethod
    def _string_function(function: str, argument: list) -> Any:
        """Fn::Join, Fn::Select, Fn::Split and Fn::Contains, or the call kept unresolved
        while an argument still is (a Ref of a resource, say)."""

        def known(value: Any) -> bool:
            return isinstance(value, (str, int)) or (
                isinstance(value, list) and all(isinstance(item, str) for item in value)
            )

        if not all(known(item) for item in argument):
            return {function: argument}
        if function == "Fn::Join":
            delimiter, items = argument
            return delimiter.join(items)
        if function == "Fn::Select":
            index, items = argument
            return items[int(index)]
        if function == "Fn::Split":
            delimiter, text = argument
            return text.split(delimiter)
        items, text = argument
        return text in items
