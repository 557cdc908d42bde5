"""How the integration tests find a deployed stack: moto for CloudFormation, Stubber for faults."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from integration.deployed import StackLookupError, resolve_api_url
from moto import mock_aws

URL = "https://abc123.execute-api.us-east-1.amazonaws.com/v1/"


def create_stack(client, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    client.create_stack(StackName="classifier", TemplateBody=json.dumps(template))


def test_nothing_configured_means_skip() -> None:
    assert resolve_api_url({}) is None


def test_api_url_wins_and_is_normalised() -> None:
    assert resolve_api_url({"API_URL": URL.rstrip("/"), "STACK_NAME": "x"}) == URL


@mock_aws
def test_reads_the_stack_output() -> None:
    client = boto3.client("cloudformation", region_name="us-east-1")
    create_stack(client, {"ApiUrl": URL, "FunctionName": "fn"})
    assert resolve_api_url({"STACK_NAME": "classifier"}, client) == URL


@mock_aws
def test_a_stack_without_the_output_is_an_error() -> None:
    client = boto3.client("cloudformation", region_name="us-east-1")
    create_stack(client, {"Other": "x"})
    with pytest.raises(StackLookupError, match="no ApiUrl output"):
        resolve_api_url({"STACK_NAME": "classifier"}, client)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ValidationError", "Stack with id classifier does not exist"),
        ("Throttling", "Rate exceeded"),
    ],
)
def test_service_errors_become_a_clear_message(code: str, message: str) -> None:
    client = boto3.client(
        "cloudformation", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        stubber.add_client_error("describe_stacks", code, message, 400)
        with pytest.raises(StackLookupError, match=message):
            resolve_api_url({"STACK_NAME": "classifier"}, client)
