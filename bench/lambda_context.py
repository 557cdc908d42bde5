"""The attributes of Lambda's context object that Mangum and Powertools read, for the probes."""

from types import SimpleNamespace

CONTEXT = SimpleNamespace(
    function_name="bench",
    function_version="1",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench",
    memory_limit_in_mb=3008,
    aws_request_id="bench",
)
