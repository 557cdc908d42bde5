"""template.yaml's SQS worker: same image, its queue and DLQ, the drop folder, narrow rights."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfn import load_template
from cfn_eval import Evaluator
from test_template import as_list, iam_statements

from function.jobs.worker_batch import EVENT_TYPE
from function.shared.settings import Settings

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
WORKER = RESOURCES["WorkerFunction"]


def test_the_worker_is_the_api_image_started_with_its_own_handler() -> None:
    api = RESOURCES["ClassifierFunction"]
    assert WORKER["Properties"]["PackageType"] == "Image"
    for key in ("Dockerfile", "DockerContext", "DockerBuildArgs"):
        assert WORKER["Metadata"][key] == api["Metadata"][key]
    assert WORKER["Properties"]["ImageConfig"]["Command"] == ["function.worker.handler"]
    # The module that command names defines it (tests/functional/test_worker.py runs it).
    source = (Path(__file__).resolve().parents[2] / "function" / "worker.py").read_text()
    assert "\ndef handler(event" in source


def test_the_sqs_event_source_reports_partial_failures_and_is_bounded() -> None:
    (event,) = WORKER["Properties"]["Events"].values()
    assert event["Type"] == "SQS"
    properties = event["Properties"]
    assert properties["Queue"] == {"Fn::GetAtt": "JobsQueue.Arn"}
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "WorkerMaximumConcurrency"}
    assert properties["BatchSize"] == {"Ref": "WorkerBatchSize"}
    batch = TEMPLATE["Parameters"]["WorkerBatchSize"]
    assert (batch["MinValue"], batch["MaxValue"]) == (1, 10)  # more needs a batching window
    assert TEMPLATE["Parameters"]["WorkerMaximumConcurrency"]["MinValue"] == 2  # Lambda's floor
    assert EVENT_TYPE.value == "SQS"


@pytest.mark.parametrize("timeout", TEMPLATE["Parameters"]["WorkerTimeout"]["AllowedValues"])
def test_visibility_is_at_least_six_times_the_worker_timeout(timeout: int) -> None:
    evaluator = Evaluator(TEMPLATE, {"WorkerTimeout": str(timeout)})
    mapping, key, field = RESOURCES["JobsQueue"]["Properties"]["VisibilityTimeout"]["Fn::FindInMap"]
    visibility = TEMPLATE["Mappings"][mapping][evaluator.resolve(key)][field]
    assert visibility >= 6 * timeout
    assert evaluator.resolve(WORKER["Properties"]["Timeout"]) == str(timeout)


def test_three_receives_then_the_dlq_and_its_alarm() -> None:
    redrive = RESOURCES["JobsQueue"]["Properties"]["RedrivePolicy"]
    assert redrive == {
        "deadLetterTargetArn": {"Fn::GetAtt": "JobsDeadLetterQueue.Arn"},
        "maxReceiveCount": 3,
    }
    dlq = RESOURCES["JobsDeadLetterQueue"]["Properties"]
    queue = RESOURCES["JobsQueue"]["Properties"]
    assert dlq["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    alarm = RESOURCES["JobsDeadLetterAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": "JobsDeadLetterQueue.QueueName"}}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_the_bucket_sends_incoming_objects_to_the_queue_without_a_cycle() -> None:
    bucket = RESOURCES["ImagesBucket"]
    (notification,) = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Event"] == "s3:ObjectCreated:*"
    assert notification["Queue"] == {"Fn::GetAtt": "JobsQueue.Arn"}
    (rule,) = notification["Filter"]["S3Key"]["Rules"]
    assert rule == {"Name": "prefix", "Value": Settings().incoming_prefix}
    assert bucket["DependsOn"] == "JobsQueuePolicy"  # S3 tests the permission on setup
    (statement,) = RESOURCES["JobsQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    # The policy names the bucket by the same expression as BucketName, never by Ref/GetAtt.
    source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    name = bucket["Properties"]["BucketName"]["Fn::Sub"]
    assert source[0] == "arn:${AWS::Partition}:s3:::" + name[0]
    assert source[1] == name[1]
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }


def test_worker_rights_are_narrow() -> None:
    statements = iam_statements("WorkerRole")
    actions = {action for s in statements for action in as_list(s["Action"])}
    assert {a for a in actions if a.startswith("s3:")} == {
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
    }
    assert {a for a in actions if a.startswith("dynamodb:")} == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:BatchGetItem",
    }
    assert {a for a in actions if a.startswith("sqs:")} == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
        "sqs:SendMessage",
    }
    [reads, *_] = [s for s in statements if as_list(s["Action"]) == ["s3:GetObject"]]
    assert reads["Resource"] == {"Fn::Sub": "${ImagesBucket.Arn}/*"}  # always a source
    [writes] = [s for s in statements if "s3:PutObject" in as_list(s["Action"])]
    assert writes["Resource"] == {"Fn::Sub": "${ImagesBucket.Arn}/exports/*"}


def test_the_api_may_only_send_to_the_jobs_queue() -> None:
    sends = [s for s in iam_statements("ClassifierRole") if "sqs:" in str(s["Action"])]
    assert sends == [
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": "JobsQueue.Arn"},
        }
    ]


def test_both_functions_agree_on_the_prefixes_the_table_and_the_ttl() -> None:
    api = RESOURCES["ClassifierFunction"]["Properties"]["Environment"]["Variables"]
    worker = WORKER["Properties"]["Environment"]["Variables"]
    for name in (
        "IMAGES_BUCKET",
        "UPLOAD_PREFIX",
        "INCOMING_PREFIX",
        "RESULTS_TABLE",
        "JOB_TTL_DAYS",
    ):
        assert api[name] == worker[name], name
    assert api["JOBS_QUEUE_URL"] == {"Ref": "JobsQueue"}
    assert worker["INCOMING_PREFIX"] == Settings().incoming_prefix
    assert TEMPLATE["Parameters"]["JobTtlDays"]["Default"] == Settings().job_ttl_days == 7
