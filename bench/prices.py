"""Published us-east-1 on-demand list prices (USD), as of 2026-11, without free tiers.

Sources: aws.amazon.com/s3/pricing (S3 Standard requests), /sqs/pricing (standard queue,
per 64 KB chunk of a request), /dynamodb/pricing/on-demand (after the November 2024
reduction), /eventbridge/pricing (custom events on the default bus), /lambda/pricing
(requests; duration per GB-second, x86_64 and arm64, first pricing tier).
"""

from __future__ import annotations

PER_MILLION = 1_000_000

S3_REQUEST = {  # per request
    "GetObject": 0.0004 / 1000,
    "HeadObject": 0.0004 / 1000,
    "PutObject": 0.005 / 1000,
    "CopyObject": 0.005 / 1000,
    "ListObjectsV2": 0.005 / 1000,
    "CreateMultipartUpload": 0.005 / 1000,
    "UploadPart": 0.005 / 1000,
    "CompleteMultipartUpload": 0.005 / 1000,
    "AbortMultipartUpload": 0.0,
}
SQS_REQUEST = 0.40 / PER_MILLION
DYNAMODB_WRITE_UNIT = 0.625 / PER_MILLION
DYNAMODB_READ_UNIT = 0.125 / PER_MILLION
EVENTBRIDGE_EVENT = 1.00 / PER_MILLION
LAMBDA_REQUEST = 0.20 / PER_MILLION
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
