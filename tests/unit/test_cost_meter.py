"""The benchmark's cost meter counts requests and DynamoDB capacity units as DynamoDB bills."""

from __future__ import annotations

import boto3
import pytest
from cost_meter import AwsMeter  # bench/, on pytest's pythonpath
from dynamo_size import item_size, number_size
from moto import mock_aws

TABLE = "meter"


@pytest.fixture
def metered(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        plain = boto3.client("dynamodb")
        plain.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        session = boto3.session.Session()
        meter = AwsMeter(plain)
        meter.attach(session)
        yield meter, session.client("dynamodb")


def item(pk: str, payload_bytes: int) -> dict:
    return {"pk": {"S": pk}, "v": {"S": "x" * payload_bytes}}


def test_item_size_counts_names_and_values():
    assert item_size({"pk": {"S": "ab"}, "n": {"N": "12345"}, "f": {"BOOL": True}}) == (
        2 + 2 + 1 + 4 + 1 + 1
    )
    assert number_size("-0.00120") == 2  # significant digits "12"
    assert item_size({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)


def test_writes_are_one_unit_per_started_kilobyte(metered):
    meter, dynamodb = metered
    dynamodb.put_item(TableName=TABLE, Item=item("a", 1500))  # 1,504 bytes: 2 units
    dynamodb.put_item(TableName=TABLE, Item=item("b", 10))  # 1 unit
    assert meter.write_units == 3
    assert meter.requests[("dynamodb", "PutItem")] == 2


def test_an_update_is_billed_on_the_larger_of_before_and_after(metered):
    meter, dynamodb = metered
    dynamodb.put_item(TableName=TABLE, Item=item("a", 3000))  # 3 units
    dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "a"}},
        UpdateExpression="SET v = :small",
        ExpressionAttributeValues={":small": {"S": "x"}},
    )
    assert meter.write_units == 3 + 3
    assert meter.writes_per_key[f"{TABLE}/a"] == 2


def test_transactions_cost_double_and_a_failed_condition_is_still_billed(metered):
    meter, dynamodb = metered
    puts = [{"Put": {"TableName": TABLE, "Item": item(pk, 10)}} for pk in ("a", "b")]
    dynamodb.transact_write_items(TransactItems=puts)
    assert meter.write_units == 4
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        dynamodb.put_item(
            TableName=TABLE, Item=item("a", 10), ConditionExpression="attribute_not_exists(pk)"
        )
    assert meter.write_units == 5


def test_reads_are_per_four_kilobytes_and_half_when_eventually_consistent(metered):
    meter, dynamodb = metered
    dynamodb.put_item(TableName=TABLE, Item=item("big", 5000))  # 2 read units
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "big"}}, ConsistentRead=True)
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "big"}})
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "missing"}})  # the minimum, halved
    assert meter.read_units == 2 + 1 + 0.5
    keys = [{"pk": {"S": "big"}}, {"pk": {"S": "missing"}}]
    dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": keys, "ConsistentRead": True}})
    assert meter.read_units == 3.5 + 2 + 1
