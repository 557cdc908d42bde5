"""What a person sees on the try-it page, in chromium: bars, errors, the banner, the key field.

Images over MaxImageBytes: test_try_it_page_large_images.py."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from photos import photo
from try_it import assert_no_csp_violation, bars, open_page

BIG_IMAGE_BYTES = 6_000_000  # past the default MaxImageBytes (4.5 MB)


@pytest.fixture(scope="module")
def jpeg(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("images") / "chelsea.jpg"
    photo("chelsea").save(path, "JPEG", quality=90)
    return path


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
