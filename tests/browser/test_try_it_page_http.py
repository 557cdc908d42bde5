"""The try-it page over HTTP, without a browser: its security headers, that its HTML carries
no inline code and only relative URLs, and that only the listed files are served."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from aws_fixtures import aws, s3_app
from try_it import FILES, STATIC

from function.api.routes import page as page_route

__all__ = ["aws", "s3_app"]  # fixtures, imported for pytest


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
