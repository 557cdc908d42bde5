"""template.yaml's images bucket and results table, and the function's narrow rights on them."""

from __future__ import annotations

from cfn import load_template
from test_template import as_list, events, function_resource, iam_statements

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]


def test_images_bucket_is_private_encrypted_and_expires_uploads() -> None:
    bucket = RESOURCES["ImagesBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    properties = bucket["Properties"]
    # Fixed (the queue policy names it) yet unique per stack: the stack's own UUID is in it.
    name_template, variables = properties["BucketName"]["Fn::Sub"]
    assert "${StackUuid}" in name_template
    assert variables["StackUuid"] == {
        "Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]
    }
    assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
    (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    expiry, exports = properties["LifecycleConfiguration"]["Rules"]
    assert (expiry["Status"], expiry["Prefix"], expiry["ExpirationInDays"]) == (
        "Enabled",
        "uploads/",
        1,
    )
    assert (exports["Status"], exports["Prefix"], exports["ExpirationInDays"]) == (
        "Enabled",
        "exports/",
        {"Ref": "JobTtlDays"},  # export files live as long as their jobs
    )


def test_bucket_cors_follows_the_api_origins() -> None:
    condition, rules, otherwise = RESOURCES["ImagesBucket"]["Properties"]["CorsConfiguration"][
        "Fn::If"
    ]
    assert condition == "HasCorsOrigins"
    assert otherwise == {"Ref": "AWS::NoValue"}
    (rule,) = rules["CorsRules"]
    assert rule["AllowedOrigins"] == {"Fn::Split": [",", {"Ref": "CorsAllowedOrigins"}]}
    assert rule["AllowedMethods"] == ["POST"]


def test_bucket_policy_denies_plain_http() -> None:
    policy = RESOURCES["ImagesBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ImagesBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert len(statement["Resource"]) == 2  # the bucket and its objects


def test_results_table_on_demand_with_ttl_and_pitr() -> None:
    table = RESOURCES["ResultsTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    from function.aws.results import TABLE_SCHEMA, TTL_ATTRIBUTE

    assert table["TimeToLiveSpecification"]["AttributeName"] == TTL_ATTRIBUTE
    for field, value in TABLE_SCHEMA.items():  # what tests and `make run AWS=local` create
        assert table[field] == value


def statements_on(service: str) -> list[dict]:
    return [
        s
        for s in iam_statements("ClassifierRole")
        if any(action.startswith(f"{service}:") for action in as_list(s["Action"]))
    ]


def test_function_may_only_read_and_sign_uploads() -> None:
    objects, listing, exports = statements_on("s3")
    assert exports == {
        "Effect": "Allow",
        "Action": "s3:GetObject",  # presigned links to export files work only if it may
        "Resource": {"Fn::Sub": "${ImagesBucket.Arn}/exports/*"},
    }
    assert sorted(objects["Action"]) == ["s3:GetObject", "s3:PutObject"]
    assert objects["Resource"] == {"Fn::Sub": "${ImagesBucket.Arn}/uploads/*"}
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "uploads/*"}}


def test_function_may_only_get_and_put_results() -> None:
    """And, for jobs, update one (marked enqueued) and read a page of results in one call."""
    (statement,) = statements_on("dynamodb")
    assert sorted(statement["Action"]) == [
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ]
    assert statement["Resource"] == {"Fn::GetAtt": "ResultsTable.Arn"}


def test_function_environment_points_at_both() -> None:
    variables = function_resource()["Properties"]["Environment"]["Variables"]
    assert variables["IMAGES_BUCKET"] == {"Ref": "ImagesBucket"}
    assert variables["UPLOAD_PREFIX"] == "uploads/"
    assert variables["MAX_UPLOAD_BYTES"] == {"Ref": "MaxUploadBytes"}
    assert variables["RESULTS_TABLE"] == {"Ref": "ResultsTable"}
    assert variables["CACHE_TTL_SECONDS"] == {"Ref": "CacheTtlSeconds"}
    assert TEMPLATE["Parameters"]["MaxUploadBytes"]["Default"] == 25_000_000
    assert TEMPLATE["Parameters"]["CacheTtlSeconds"]["Default"] == 3600


def test_new_routes_need_the_api_key() -> None:
    for route in (("POST", "/uploads"), ("POST", "/classify/batch")):
        assert "Auth" not in events()[route]  # the API's default: ApiKeyRequired
