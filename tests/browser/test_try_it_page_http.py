"""The try-it page over HTTP, without a browser: its security headers, that its HTML carries
no inline code and only relative URLs, and that it arrives intact through the Lambda handler,
API Gateway's stage prefix and `sam local start-api`'s gateway code."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aws_fixtures import aws, s3_app
from make_events import rest_event
from probes import probe_json
from sam_local.gateway import sam_local_gateway

from function.api.routes import page as page_route

__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest

STATIC = Path(page_route.STATIC_DIR)
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/try-it.css": ("try-it.css", "text/css; charset=utf-8"),
    "/static/try-it.js": ("try-it.js", "text/javascript; charset=utf-8"),
    "/static/api.js": ("api.js", "text/javascript; charset=utf-8"),
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


@pytest.fixture(autouse=True)
def _forget_bucket_origins():
    page_route._bucket_origins.clear()  # each test's S3 endpoint is its own
    yield
    page_route._bucket_origins.clear()


@pytest.mark.parametrize("path", FILES)
def test_each_file_is_served_whole_with_nosniff(client, path) -> None:
    name, media_type = FILES[path]
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.content == (STATIC / name).read_bytes()
    assert answer.headers["content-type"] == media_type
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]


def test_the_page_csp_allows_no_inline_code_and_no_other_origin(client) -> None:
    policy = directives(client.get("/").headers["content-security-policy"])
    assert policy == {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "connect-src": ["'self'"],  # no bucket configured: the API only
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
        "frame-ancestors": ["'none'"],
    }


def test_with_s3_connect_src_adds_the_origin_that_uploads_sign_for(client, s3_app) -> None:
    upload_url = client.post("/uploads").json()["upload"]["url"]
    policy = directives(client.get("/").headers["content-security-policy"])
    assert policy["connect-src"] == ["'self'", upload_url.rstrip("/")]
    assert upload_url.startswith("https://test-images.s3.")


def test_without_credentials_the_page_still_loads_without_the_bucket(client, s3_app, monkeypatch):
    from botocore.exceptions import NoCredentialsError

    def no_credentials() -> None:
        raise NoCredentialsError()

    monkeypatch.setattr("function.aws.clients.require_credentials", no_credentials)
    answer = client.get("/")
    assert answer.status_code == 200
    assert directives(answer.headers["content-security-policy"])["connect-src"] == ["'self'"]


@pytest.mark.parametrize("name", ["app.py", "..%2Froutes%2Fpage.py", "index.html", "x.css"])
def test_only_the_listed_static_files_are_served(client, name) -> None:
    answer = client.get(f"/static/{name}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


class Markup(HTMLParser):
    """Every tag with its attributes, and any text inside <script> or <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_code: list[str] = []
        self._inside: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self._inside = tag

    def handle_data(self, data) -> None:
        if self._inside in ("script", "style") and data.strip():
            self.inline_code.append(data)


def test_the_html_has_no_inline_code_and_only_relative_urls() -> None:
    markup = Markup()
    markup.feed((STATIC / "index.html").read_text())
    assert markup.inline_code == []
    assert "style" not in {tag for tag, _ in markup.tags}
    for tag, attributes in markup.tags:
        assert "style" not in attributes
        assert not [name for name in attributes if name.startswith("on")], tag
        for name in ("src", "href"):
            url = attributes.get(name)
            # Relative, so that behind API Gateway they stay under the stage (/Prod/...).
            assert url is None or url == "data:," or not url.startswith(("/", "http", "//"))
    scripts = [attributes for tag, attributes in markup.tags if tag == "script"]
    assert scripts == [{"type": "module", "src": "static/try-it.js"}]
    camera = [a for tag, a in markup.tags if tag == "input" and "capture" in a]
    assert camera == [
        {"id": "camera", "type": "file", "accept": "image/*", "capture": "environment"}
    ]


def test_the_script_and_styles_name_no_other_origin() -> None:
    for name in page_route.ASSETS:
        text = (STATIC / name).read_text()
        assert "http:" not in text
        assert "https:" not in text
        assert "@import" not in text
    imports = re.findall(r"from '([^']+)'", (STATIC / "try-it.js").read_text())
    assert imports == ["./api.js"]  # beside it, so under static/ and in ASSETS


def test_behind_a_stage_prefix_the_page_redirects_to_its_trailing_slash(
    handler_module, lambda_context
) -> None:
    event = rest_event("GET", "/", {"Host": "abc.execute-api.amazonaws.com"}, None)
    event["requestContext"]["path"] = "/Prod"  # the user typed .../Prod, without the slash
    answer = handler_module.handler(event, lambda_context)
    assert answer["statusCode"] == 308
    assert answer["headers"]["location"] == "Prod/"  # relative: /Prod resolves it to /Prod/

    event["requestContext"]["path"] = "/Prod/"
    answer = handler_module.handler(event, lambda_context)
    assert answer["statusCode"] == 200
    assert answer["isBase64Encoded"] is False  # text: API Gateway passes it through as it is
    assert answer["body"] == (STATIC / "index.html").read_text()


def test_sam_local_start_api_serves_the_page_and_its_files(handler_module, lambda_context) -> None:
    with sam_local_gateway(lambda event: handler_module.handler(event, lambda_context)) as gateway:
        for path, (name, media_type) in FILES.items():
            answer = gateway.request("GET", path, b"", {"Accept": "text/html,image/webp,*/*"})
            assert answer.status == 200, (path, answer.body)
            assert answer.body == (STATIC / name).read_bytes()
            assert answer.headers["content-type"] == media_type
            assert answer.headers["x-content-type-options"] == "nosniff"


PAGE_PROBE = """
import json, sys
from fastapi.testclient import TestClient
import function.handler
seen = {"after_import": "boto3" in sys.modules}
answer = TestClient(function.handler.app).get("/")
seen["status"] = answer.status_code
seen["after_page"] = "boto3" in sys.modules
print(json.dumps(seen))
"""


def test_the_page_costs_no_boto3_import_without_a_bucket(model_dir) -> None:
    env = {**os.environ, "MODEL_DIR": str(model_dir), "IMAGES_BUCKET": ""}
    assert probe_json(PAGE_PROBE, env) == {
        "after_import": False,
        "status": 200,
        "after_page": False,
    }


def test_the_lambda_image_ships_the_static_files() -> None:
    """The Dockerfile copies function/ whole, and .dockerignore lets it in."""
    repo = STATIC.parents[2]
    dockerfile = (repo / "Dockerfile").read_text()
    assert "COPY function/ ${LAMBDA_TASK_ROOT}/function/" in dockerfile
    ignored = (repo / ".dockerignore").read_text().split()
    assert "!function/" in ignored
    assert not [line for line in ignored if "static" in line or line.endswith((".js", ".css"))]
