"""template.yaml for bulk jobs: SourceBuckets' read-only rights, exports/, the event bus."""

from __future__ import annotations

import re
from typing import Any

import pytest
from cfn import load_template
from cfn_eval import Evaluator
from test_template import as_list

from function.aws.events import BUS
from function.shared.settings import Settings

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
PARTITION = "aws"


def substituted(value: Any, evaluator: Evaluator) -> Any:
    """Fn::Sub, Fn::Join and Fn::Split over parameters, as CloudFormation would do them."""
    value = evaluator.resolve(value)
    if isinstance(value, list):
        return [substituted(item, evaluator) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1 or not next(iter(value)).startswith("Fn::"):
        return {key: substituted(item, evaluator) for key, item in value.items()}
    ((function, argument),) = value.items()
    if function == "Fn::Split":
        delimiter, text = argument
        return substituted(text, evaluator).split(delimiter)
    if function == "Fn::Join":
        delimiter, items = argument
        return delimiter.join(substituted(items, evaluator))
    if function == "Fn::Sub":
        text, variables = argument if isinstance(argument, list) else (argument, {})
        names = {k: substituted(v, evaluator) for k, v in variables.items()}
        names["AWS::Partition"] = PARTITION
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(names.get(m[1], m[0])), text)
    return value


def worker_statements(source_buckets: str) -> list[dict]:
    evaluator = Evaluator(TEMPLATE, {"SourceBuckets": source_buckets})
    statements = []
    for policy in evaluator.resolve(RESOURCES["WorkerRole"]["Properties"]["Policies"]):
        statements += policy["PolicyDocument"]["Statement"]
    return [substituted(statement, evaluator) for statement in statements]


def on_other_buckets(statements: list[dict]) -> list[dict]:
    """Statements naming buckets by ARN: those SourceBuckets adds."""
    return [s for s in statements if "arn:aws:s3:::" in str(s["Resource"])]


def test_no_source_buckets_adds_no_rights() -> None:
    assert on_other_buckets(worker_statements("")) == []


@pytest.mark.parametrize("names", ["archive", "archive,photos.example.com,b-2"])
def test_each_source_bucket_is_readable_and_listable_and_nothing_more(names: str) -> None:
    buckets = names.split(",")
    reads, lists = on_other_buckets(worker_statements(names))
    assert reads == {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/*" for bucket in buckets],
    }
    assert lists == {
        "Effect": "Allow",
        "Action": "s3:ListBucket",
        "Resource": [f"arn:aws:s3:::{bucket}" for bucket in buckets],
    }


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        ("", True),
        ("archive", True),
        ("a.b-c,d12", True),
        ("a.b-c,d1", False),  # bucket names are 3 to 63 characters
        ("archive, photos", False),  # spaces would become part of an ARN
        ("Archive", False),
        ("a", False),
        ("archive,", False),
        ("*", False),
    ],
)
def test_source_buckets_must_be_bucket_names(value: str, allowed: bool) -> None:
    pattern = TEMPLATE["Parameters"]["SourceBuckets"]["AllowedPattern"]
    assert bool(re.fullmatch(pattern, value)) is allowed
    assert TEMPLATE["Parameters"]["SourceBuckets"]["Default"] == ""


def test_both_functions_know_the_source_buckets_and_the_worker_its_queue() -> None:
    for name in ("ClassifierFunction", "WorkerFunction"):
        variables = RESOURCES[name]["Properties"]["Environment"]["Variables"]
        assert variables["SOURCE_BUCKETS"] == {"Ref": "SourceBuckets"}
        assert variables["JOBS_QUEUE_URL"] == {"Ref": "JobsQueue"}
    assert Settings(source_buckets="a, b").source_buckets == ("a", "b")


def test_the_worker_may_put_events_on_the_default_bus_only() -> None:
    events = [s for s in worker_statements("") if "events:" in str(s["Action"])]
    assert events == [
        {
            "Effect": "Allow",
            "Action": "events:PutEvents",
            "Resource": "arn:aws:events:${AWS::Region}:${AWS::AccountId}:event-bus/default",
        }
    ]
    assert BUS == "default"
    api = [s for s in worker_statements("") if "events:" in str(as_list(s["Action"]))]
    assert len(api) == 1


def test_the_worker_writes_exports_and_nowhere_else() -> None:
    writes = [s for s in worker_statements("a") if "s3:PutObject" in as_list(s["Action"])]
    assert [s["Resource"] for s in writes] == ["${ImagesBucket.Arn}/exports/*"]
