"""What a person sees on the try-it page, in chromium: bars, errors, the banner, big images."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from photos import photo
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
# The missing-browser runs need none of tests/conftest.py's model fixtures (nor torch's import).
ONLY_THIS_CONFTEST = ["--confcutdir", str(Path(__file__).parent)]
BIG_IMAGE_BYTES = 6_000_000  # past the default MaxImageBytes (4.5 MB)


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("images") / "chelsea.jpg"
    photo("chelsea").save(path, "JPEG", quality=90)
    return path


@pytest.fixture(scope="module")
def big_png(tmp_path_factory) -> Path:
    """About 6 MB: noise does not compress, so the PNG stays as large as its pixels."""
    pixels = np.random.default_rng(0).integers(0, 256, (1420, 1420, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=1)
    assert len(buffer.getvalue()) > BIG_IMAGE_BYTES
    path = tmp_path_factory.mktemp("images") / "noise.png"
    path.write_bytes(buffer.getvalue())
    return path


def test_the_system_chromium_launches(browser) -> None:
    assert int(browser.version.split(".")[0]) >= 120  # Debian's package, not a download


@pytest.mark.parametrize(
    ("ci", "outcome", "exit_code"), [("true", "1 error", 1), ("", "1 skipped", 0)]
)
def test_a_missing_browser_fails_in_ci_and_skips_elsewhere(ci, outcome, exit_code) -> None:
    env = {**os.environ, "CI": ci, "CHROMIUM_PATH": "/nonexistent/chromium"}
    test = f"{Path(__file__).relative_to(REPO)}::test_the_system_chromium_launches"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ONLY_THIS_CONFTEST, test],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == exit_code, run.stdout
    assert outcome in run.stdout, run.stdout
    assert "/nonexistent/chromium is missing" in run.stdout


def open_page(page, server) -> None:
    page.goto(server.url)
    page.wait_for_selector("#card dd")  # the model card arrived: the page knows the limits


def bars(page) -> list[tuple[str, str]]:
    page.wait_for_selector("#predictions li", timeout=60_000)
    items = page.locator("#predictions li")
    return [
        (item.locator(".label").inner_text(), item.locator(".percent").inner_text())
        for item in items.all()
    ]


def assert_no_csp_violation(page) -> None:
    assert not [text for text in page.console_errors if "Content Security Policy" in text]


def test_a_jpeg_gets_five_labelled_bars_latency_and_cache_state(page, app_server, jpeg) -> None:
    open_page(page, app_server)
    page.set_input_files("#pick", str(jpeg))
    shown = bars(page)
    assert len(shown) == 5
    assert all(label and percent.endswith("%") for label, percent in shown)
    assert page.locator("#preview").get_attribute("src").startswith("blob:")
    assert "ms round trip · cache miss" in page.inner_text("#timing")
    assert page.locator("#error").is_hidden()

    page.set_input_files("#pick", [])
    page.set_input_files("#pick", str(jpeg))  # the same bytes again: served from the cache
    # Selectors, not wait_for_function: the page's CSP forbids the eval that it relies on.
    page.wait_for_selector("#timing:has-text('cache hit')")
    assert bars(page) == shown
    assert_no_csp_violation(page)
    # Nothing went over the network but to the app itself (blob: is the in-page preview).
    network = [urlsplit(url) for url in page.requested if not url.startswith(("blob:", "data:"))]
    assert {f"{part.scheme}://{part.netloc}" for part in network} == {app_server.url.rstrip("/")}


def test_a_dropped_image_is_classified(page, app_server, jpeg) -> None:
    open_page(page, app_server)
    data = list(jpeg.read_bytes())
    transfer = page.evaluate_handle(
        """(bytes) => {
            const transfer = new DataTransfer();
            const file = new File([new Uint8Array(bytes)], 'cat.jpg', {type: 'image/jpeg'});
            transfer.items.add(file);
            return transfer;
        }""",
        data,
    )
    page.dispatch_event("#drop", "drop", {"dataTransfer": transfer})
    assert len(bars(page)) == 5


def test_a_text_file_shows_the_servers_error_code_and_message(page, app_server, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image\n")
    open_page(page, app_server)
    page.set_input_files("#pick", str(notes))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-code") == "unsupported_media_type (HTTP 415):"
    assert "text/plain" in page.inner_text("#error-message")
    assert page.inner_text("#error-request").startswith("Request ID ")
    assert page.locator("#predictions li").count() == 0
    assert page.locator("#key-form").is_hidden()  # no key was asked for


def test_random_weights_show_the_warning_banner(page, app_server) -> None:
    open_page(page, app_server)
    health = json.loads(page.evaluate("fetch('health').then((r) => r.text())"))
    assert health["production_ready"] is False  # the test model has random weights
    banner = page.locator("#warning")
    assert banner.is_visible()
    assert health["warning"] in banner.inner_text()
    box = banner.bounding_box()
    assert box["y"] == 0  # the top of the page, across all of it
    assert box["width"] >= 1000


def test_a_production_model_shows_no_banner(page, app_server) -> None:
    def production_health(route) -> None:
        answer = route.fetch()
        body = {**answer.json(), "production_ready": True, "warning": None}
        route.fulfill(response=answer, json=body)

    page.route("**/health", production_health)
    open_page(page, app_server)
    assert page.locator("#warning").is_hidden()


def test_the_key_field_appears_on_a_403_and_the_key_is_sent_after(page, app_server, jpeg) -> None:
    seen_keys = []

    def gateway(route) -> None:  # API Gateway's answer to a request without a valid key
        key = route.request.headers.get("x-api-key")
        seen_keys.append(key)
        if key == "secret-key":
            return route.continue_()
        message = "Send a valid API key in the x-api-key header."
        error = {"code": "invalid_api_key", "message": message, "request_id": "gw-1"}
        route.fulfill(status=403, json={"error": error})

    page.route("**/classify", gateway)
    open_page(page, app_server)
    assert page.locator("#key-form").is_hidden()
    page.set_input_files("#pick", str(jpeg))
    page.wait_for_selector("#key-form:not([hidden])")
    assert page.inner_text("#error-code") == "invalid_api_key (HTTP 403):"
    page.fill("#api-key", "secret-key")
    page.click("#key-form button")
    assert len(bars(page)) == 5  # the same image, sent again with the key
    assert seen_keys == [None, "secret-key"]
    assert page.evaluate("sessionStorage.getItem('imgcls-api-key')") == "secret-key"


def test_a_large_image_without_s3_says_why(page, app_server, big_png) -> None:
    open_page(page, app_server)
    page.set_input_files("#pick", str(big_png))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error-code") == "s3_not_configured (HTTP 501):"
    assert "IMAGES_BUCKET" in page.inner_text("#error-message")
    hint = page.inner_text("#error-hint")
    size = f"{big_png.stat().st_size / 1e6:.1f} MB"
    assert f"This image is {size}; a request takes at most 4.5 MB" in hint
    assert "no S3 bucket" in hint


def test_a_6_mb_image_goes_through_the_presigned_post(page, s3_app_server, big_png) -> None:
    import boto3

    open_page(page, s3_app_server)
    page.set_input_files("#pick", str(big_png))
    assert len(bars(page)) == 5
    assert page.locator("#error").is_hidden()
    assert_no_csp_violation(page)
    # The bytes went to the bucket's origin, not through the API.
    assert any(url.startswith(s3_app_server.s3_endpoint) for url in page.requested)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_app_server.s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    (stored,) = s3.list_objects_v2(Bucket=s3_app_server.bucket, Prefix="uploads/")["Contents"]
    assert stored["Size"] == big_png.stat().st_size
