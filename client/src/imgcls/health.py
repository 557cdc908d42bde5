"""`imgcls health`: the model card, and the random-weights warning where nobody can miss it."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from imgcls.console import out, warn_loudly


def rows(card: dict[str, Any]) -> list[tuple[str, str]]:
    model = card.get("model") or {}
    found = [
        ("model", f"{model.get('name')} (version {model.get('version')})"),
        ("architecture", str(card.get("architecture"))),
        ("classes", f"{card.get('num_classes')} ({card.get('labels_source')})"),
        ("weights", f"{card.get('weights')}: {card.get('weights_source')}"),
    ]
    evaluation = card.get("evaluation")
    if evaluation:
        int8 = evaluation["int8"]
        found.append(
            (
                "evaluation",
                f"int8 top-1 {int8['top1']}%, top-5 {int8['top5']}% on {evaluation['images']} "
                f"images (fp32 top-1 {evaluation['fp32']['top1']}%)",
            )
        )
    limits = card.get("limits") or {}
    largest = limits.get("max_image_bytes")
    found.append(("max image bytes", f"{largest:,}" if isinstance(largest, int) else "?"))
    found.append(("formats", ", ".join(limits.get("allowed_formats", []))))
    return found


def show(card: dict[str, Any]) -> None:
    grid = Table("", "", show_header=False, box=None)
    # Text, not markup: the server's strings may hold brackets.
    for name, value in rows(card):
        grid.add_row(name, Text(value))
    ready = card.get("production_ready")
    warning = Text(f"NO: {card.get('warning')}", style="bold red")
    grid.add_row("production ready", "yes" if ready else warning)
    out.print(grid)
    if not ready:
        warn_loudly(card.get("warning") or "This model is not fit for production.")
