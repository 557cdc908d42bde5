"""The ledger's transaction-cancellation branches, stubbed: moto never conflicts or throttles.

Issue 18 (5b): a duplicate chunk (ConditionalCheckFailed) is dropped and the rest retried;
TransactionConflict is retried in-process with back-off and succeeds; one that keeps
conflicting fails the messages after ATTEMPTS, for SQS to deliver again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from botocore.stub import Stubber

from function.aws import clients
from function.jobs import ledger
from function.jobs.chunk_record import Entry
from function.jobs.ledger import Chunk, CommitFailed, Ledger
from function.jobs.outcomes import Outcome

JOB = "5c1f3a52-8d0e-4c57-9a51-2f4e7b6d9c10"
PREDICTION = [{"class": "cat", "index": 1, "probability": 0.5}]


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients.reset()
    with Stubber(clients.client("dynamodb")) as stub:
        yield stub
        stub.assert_no_pending_responses()
    clients.reset()


def chunk(number: int, images: int = 10, failed: int = 0) -> Chunk:
    entries = [
        Entry(number * 10 + i, f"p/{number}/{i}", Outcome(predictions=PREDICTION))
        for i in range(images - failed)
    ]
    entries += [
        Entry(number * 10 + i, f"p/{number}/x{i}", Outcome(error_code="e", error_message="m"))
        for i in range(failed)
    ]
    return Chunk(number, entries)


def cancelled(stub: Stubber, *codes: str) -> None:
    reasons = [{"Code": code} for code in codes]
    stub.add_client_error(
        "transact_write_items",
        "TransactionCanceledException",
        "Transaction cancelled",
        modeled_fields={"CancellationReasons": reasons},
    )


def puts_and_count(params: dict) -> tuple[list[str], dict]:
    items = params["TransactItems"]
    puts = [item["Put"]["Item"]["pk"]["S"] for item in items[:-1]]
    return puts, items[-1]["Update"]["ExpressionAttributeValues"]


def test_a_duplicate_chunk_is_dropped_and_the_rest_counted_once(stubbed: Stubber) -> None:
    sent: list[dict] = []
    stubbed.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    cancelled(stubbed, "None", "ConditionalCheckFailed", "None", "None")
    stubbed.add_response("transact_write_items", {})
    pauses: list[float] = []
    recorded = Ledger("t", 7, "v", pauses.append).commit(
        JOB, [chunk(3), chunk(4), chunk(5, images=4, failed=1)]
    )
    assert recorded == {3, 5}
    assert pauses == []  # a duplicate is not contention: retried at once
    first, second = (puts_and_count(params) for params in sent)
    assert len(first[0]) == 3
    assert second[0] == [f"job#{JOB}#chunk#3", f"job#{JOB}#chunk#5"]
    assert second[1][":s"] == {"N": "13"}
    assert second[1][":f"] == {"N": "1"}
    assert second[1][":c"] == {"N": "2"}


def test_only_duplicates_record_nothing(stubbed: Stubber) -> None:
    cancelled(stubbed, "ConditionalCheckFailed", "None")
    assert Ledger("t", 7, "v", lambda _: None).commit(JOB, [chunk(0)]) == set()


def test_a_conflict_is_retried_with_back_off_and_succeeds(stubbed: Stubber) -> None:
    cancelled(stubbed, "None", "TransactionConflict", "None")
    cancelled(stubbed, "ThrottlingError", "None", "None")
    stubbed.add_response("transact_write_items", {})
    pauses: list[float] = []
    recorded = Ledger("t", 7, "v", pauses.append).commit(JOB, [chunk(1), chunk(2)])
    assert recorded == {1, 2}
    assert len(pauses) == 2
    assert all(0 <= pause <= 0.05 * 2**attempt for attempt, pause in enumerate(pauses, 1))


def test_a_throttled_transaction_is_retried_too(stubbed: Stubber) -> None:
    stubbed.add_client_error("transact_write_items", "ProvisionedThroughputExceededException")
    stubbed.add_response("transact_write_items", {})
    assert Ledger("t", 7, "v", lambda _: None).commit(JOB, [chunk(1)]) == {1}


def test_a_conflict_that_persists_fails_after_the_attempts(stubbed: Stubber) -> None:
    for _ in range(ledger.ATTEMPTS):
        cancelled(stubbed, "TransactionConflict", "None")
    pauses: list[float] = []
    with pytest.raises(CommitFailed):
        Ledger("t", 7, "v", pauses.append).commit(JOB, [chunk(7)])
    assert len(pauses) == ledger.ATTEMPTS - 1


def test_a_validation_error_is_not_retried(stubbed: Stubber) -> None:
    cancelled(stubbed, "ValidationError", "None")
    with pytest.raises(Exception, match="TransactionCanceled"):
        Ledger("t", 7, "v", lambda _: None).commit(JOB, [chunk(7)])


def test_a_chunk_twice_in_one_batch_is_written_once(stubbed: Stubber) -> None:
    sent: list[dict] = []
    stubbed.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    stubbed.add_response("transact_write_items", {})
    assert Ledger("t", 7, "v").commit(JOB, [chunk(2), chunk(2)]) == {2}
    [(puts, count)] = [puts_and_count(params) for params in sent]
    assert puts == [f"job#{JOB}#chunk#2"]
    assert count[":s"] == {"N": "10"}


def test_a_batch_writes_one_shard_chosen_by_its_first_chunk(stubbed: Stubber) -> None:
    sent: list[dict] = []
    stubbed.client.meta.events.register(
        "provide-client-params.dynamodb.TransactWriteItems", lambda params, **_: sent.append(params)
    )
    stubbed.add_response("transact_write_items", {})
    Ledger("t", 7, "v").commit(JOB, [chunk(13), chunk(12)])
    [params] = sent
    key = params["TransactItems"][-1]["Update"]["Key"]["pk"]["S"]
    assert key == f"job#{JOB}#count#{12 % ledger.SHARDS}"
