"""What the try-it page's tests share: its files, and reading the page in chromium."""

from __future__ import annotations

from pathlib import Path

from function.api.routes import page as page_route

STATIC = Path(page_route.STATIC_DIR)
# Each served path: the file under static/ and its media type.
FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/try-it.css": ("try-it.css", "text/css; charset=utf-8"),
    "/static/try-it.js": ("try-it.js", "text/javascript; charset=utf-8"),
    "/static/api.js": ("api.js", "text/javascript; charset=utf-8"),
}


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
