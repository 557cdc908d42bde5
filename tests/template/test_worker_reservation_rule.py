"""A worker reservation below its event source's maximum concurrency is refused before the
stack changes (issue 18, item 11): Lambda would throttle the SQS event source, and every
throttled batch returns to the queue with a receive counted, reaching the DLQ unprocessed.
The template's Rules are evaluated as CloudFormation does, for given parameter values."""

from __future__ import annotations

import pytest
from cfn import load_template
from cfn_eval import Evaluator

TEMPLATE = load_template()


def refusals(**parameters: str) -> list[str]:
    return Evaluator(TEMPLATE, parameters).failed_assertions()


def test_no_reservation_is_accepted_whatever_the_maximum() -> None:
    assert refusals() == []
    assert refusals(WorkerMaximumConcurrency="1000") == []


@pytest.mark.parametrize(("reserved", "maximum"), [("5", "10"), ("1", "2"), ("999", "1000")])
def test_a_reservation_below_the_maximum_is_refused_and_says_why(reserved, maximum) -> None:
    (message,) = refusals(WorkerReservedConcurrency=reserved, WorkerMaximumConcurrency=maximum)
    assert "WorkerReservedConcurrency must be empty or equal to WorkerMaximumConcurrency" in (
        message
    )
    # The consequence, in the user's terms: throttling, counted receives, the DLQ.
    assert "throttles the SQS event source" in message
    assert "receive counted" in message
    assert "dead-letter queue without ever being classified" in message


def test_a_reservation_equal_to_the_maximum_is_accepted() -> None:
    assert refusals(WorkerReservedConcurrency="10") == []  # the default maximum is 10
    assert refusals(WorkerReservedConcurrency="250", WorkerMaximumConcurrency="250") == []


def test_a_reservation_above_the_maximum_is_refused_too() -> None:
    """Rules compare strings, never numbers; above the maximum, the extra is idle anyway."""
    (message,) = refusals(WorkerReservedConcurrency="50", WorkerMaximumConcurrency="10")
    assert "can never run" in message


def test_the_rule_reads_the_parameters_the_worker_uses() -> None:
    """The rule guards the values the function and its event source are built from."""
    worker = TEMPLATE["Resources"]["WorkerFunction"]["Properties"]
    reserved = worker["ReservedConcurrentExecutions"]["Fn::If"][1]
    scaling = worker["Events"]["Jobs"]["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    (assertion,) = TEMPLATE["Rules"]["WorkerReservationMatchesItsMaximumConcurrency"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [reserved, scaling]}
