"""What imgcls prints is the text it was given: file names, class names and the server's
strings hold brackets, which rich would otherwise read as markup (and drop, or crash on)."""

from __future__ import annotations

import pytest
from imgcls import console, health, output
from imgcls.classify import Outcome

NAMES = ["photos/scan [a].jpg", "photos/[/old] copy.jpg", "x/[bold]y.png"]


def printed(console_: object, show: object, *args: object) -> str:
    with console_.capture() as captured:  # type: ignore[attr-defined]
        show(*args)  # type: ignore[operator]
    return captured.get()


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.out, "width", 200)
    monkeypatch.setattr(console.err, "width", 200)


def test_the_table_shows_names_as_they_are() -> None:
    outcomes = [
        Outcome(NAMES[0], [{"class": "tabby [cat]", "probability": 0.5}], "miss"),
        Outcome(NAMES[1], [{"class": "x", "probability": 0.25}], "hit"),
        Outcome(NAMES[2], error={"code": "unsupported_media_type", "message": "text/plain"}),
    ]
    text = printed(console.out, output.table, outcomes)
    for name in [*NAMES, "tabby [cat] 50.0%", "unsupported_media_type"]:
        assert name in text


def test_the_model_card_shows_the_servers_strings_as_they_are() -> None:
    card = {
        "model": {"name": "resnet [int8]", "version": "abc"},
        "labels_source": "[/labels]",
        "production_ready": False,
        "warning": "random weights [not trained]",
    }
    text = printed(console.out, health.show, card)
    assert "resnet [int8]" in text
    assert "[/labels]" in text
    assert "NO: random weights [not trained]" in text
    banner = printed(console.err, console.warn_loudly, "[/b] random weights")
    assert "[/b] random weights" in banner
