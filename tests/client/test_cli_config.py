"""A missing or wrong setting: one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_stack import cli_env, imgcls, one_line_error
from tiny_server import Script, json_answer, serving


def test_no_api_url_at_all() -> None:
    result = imgcls("health")
    assert result.returncode == 2
    assert "IMGCLS_API_URL" in one_line_error(result)


@pytest.mark.parametrize("url", ["ftp://example.com/", "not a url", "http://"])
def test_an_api_url_that_is_not_http(url: str) -> None:
    result = imgcls("health", "--api-url", url)
    assert result.returncode == 2
    assert "http(s) URL" in one_line_error(result) or "not a URL" in result.stderr


def test_a_key_api_gateway_refuses() -> None:
    forbidden = json_answer(403, {"message": "Forbidden"})
    with serving(Script({"/health": [forbidden]})) as script:
        result = imgcls("health", url=script.url, IMGCLS_API_KEY="wrong")
    assert result.returncode == 2
    assert "--api-key" in one_line_error(result)
    [(_, _, _, headers)] = script.seen
    assert headers.get("x-api-key") == "wrong"


def test_a_url_that_is_not_this_api() -> None:
    with serving(Script({})) as script:  # 404 for everything
        result = imgcls("health", url=script.url)
    assert result.returncode == 2
    assert "GET /health answered 404" in one_line_error(result)


def test_a_missing_path_is_a_usage_error(tmp_path) -> None:
    result = imgcls("classify", str(tmp_path / "nope.jpg"), url="http://127.0.0.1:9")
    assert result.returncode == 2
    assert "no such file or folder" in one_line_error(result)


def test_stack_reads_the_url_and_the_key_value(local_stack) -> None:
    """--stack: the ApiUrl and ApiKeyId outputs, then the key's value (moto's CloudFormation
    and API Gateway). The scripted server sees the key the stack's key id stands for."""
    health = {"model": {"name": "m"}, "production_ready": True, "limits": {}}
    with serving(Script({"/health": [json_answer(200, health)]})) as script:
        apigateway = local_stack.client("apigateway")
        key = apigateway.create_api_key(
            name="cli-test", value="s3cret-value-of-this-test", enabled=True
        )
        template = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {"ApiUrl": {"Value": script.url + "/"}, "ApiKeyId": {"Value": key["id"]}},
        }
        local_stack.client("cloudformation").create_stack(
            StackName="cli-test", TemplateBody=json.dumps(template)
        )
        aws = {
            "AWS_ENDPOINT_URL": local_stack.moto,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        result = imgcls("health", "--json", "--stack", "cli-test", **aws)
        missing = imgcls("health", "--stack", "no-such-stack", **aws)
    assert result.returncode == 0, result.stderr
    assert [h.get("x-api-key") for _, _, _, h in script.seen] == ["s3cret-value-of-this-test"]
    assert missing.returncode == 2
    assert "no-such-stack" in one_line_error(missing)


def test_stack_without_boto3_says_how_to_get_it() -> None:
    """boto3 is an optional extra: the client without it names the extra, in one line."""
    blocked = "import sys; sys.modules['boto3'] = None; from imgcls.cli import main; "
    result = subprocess.run(
        [sys.executable, "-c", blocked + "sys.exit(main(['health', '--stack', 'any']))"],
        env=cli_env(None),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "pip install './client[stack]'" in one_line_error(result)


def test_help_lists_the_commands() -> None:
    result = imgcls("--help")
    assert result.returncode == 0
    assert all(command in result.stdout for command in ("classify", "bulk", "jobs", "health"))


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((200, {"content-type": "text/html"}, b"<html>a web site</html>"), "did not answer JSON"),
        (json_answer(200, [1, 2]), "did not answer a model card"),
        (json_answer(200, {"limits": "none"}), "did not answer a model card"),
    ],
)
@pytest.mark.parametrize("command", ["health", "classify"])
def test_a_url_that_answers_health_with_something_else(answer, says, command, tmp_path) -> None:
    """A web site that answers 200 to anything: a usage error, not a traceback."""
    image = tmp_path / "cat.jpg"
    image.write_bytes(b"\xff\xd8 not much of an image")
    paths = [str(image)] if command == "classify" else []
    with serving(Script({"/health": [answer]})) as script:
        result = imgcls(command, *paths, url=script.url)
    assert result.returncode == 2
    assert says in one_line_error(result)


def test_health_of_a_card_without_limits() -> None:
    card = {"model": {"name": "m", "version": "1"}, "production_ready": True}
    with serving(Script({"/health": [json_answer(200, card)]})) as script:
        result = imgcls("health", url=script.url)
    assert result.returncode == 0, result.stderr
    assert "max image bytes" in result.stdout
