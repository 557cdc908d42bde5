"""A stand-in for Lambda's context object, shared by fixtures and helper processes."""

from __future__ import annotations

from types import SimpleNamespace


def make_lambda_context() -> SimpleNamespace:
    """The attributes of Lambda's context object that Mangum and Powertools read."""
    return SimpleNamespace(
        function_name="ClassifierFunction",
        function_version="$LATEST",
        invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:ClassifierFunction",
        memory_limit_in_mb=3008,
        aws_request_id="5f9a8d7e-0000-4000-8000-000000000001",
        log_group_name="/aws/lambda/ClassifierFunction",
        log_stream_name="2026/11/28/[$LATEST]abcdef",
        get_remaining_time_in_millis=lambda: 20_000,
    )
