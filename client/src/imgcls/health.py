"""`imgcls health`: the model card, and the random-weights warning where nobody can miss it."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from imgcls.console import out, warn_loudly


def show(card: dict[str, Any]) -> None:
    grid = Table("", "", show_header=False, box=None)
    model = card.get("model") or {}
    grid.add_row("model", f"{model.get('name')} (version {model.get('version')})")
    grid.add_row("architecture", str(card.get("architecture")))
    grid.add_row("classes", f"{card.get('num_classes')} ({card.get('labels_source')})")
    grid.add_row("weights", f"{card.get('weights')}: {card.get('weights_source')}")
    evaluation = card.get("evaluation")
    if evaluation:
        int8 = evaluation["int8"]
        grid.add_row(
            "evaluation",
            f"int8 top-1 {int8['top1']}%, top-5 {int8['top5']}% on {evaluation['images']} "
            f"images (fp32 top-1 {evaluation['fp32']['top1']}%)",
        )
    limits = card.get("limits") or {}
    largest = limits.get("max_image_bytes")
    grid.add_row("max image bytes", f"{largest:,}" if isinstance(largest, int) else "?")
    grid.add_row("formats", ", ".join(limits.get("allowed_formats", [])))
    ready = card.get("production_ready")
    grid.add_row("production ready", "yes" if ready else f"[bold red]NO: {card.get('warning')}")
    out.print(grid)
    if not card.get("production_ready"):
        warn_loudly(card.get("warning") or "This model is not fit for production.")
