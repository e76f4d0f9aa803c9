"""`?`: every key of the desk, page by page, built from the bindings themselves so it can't go stale."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

HelpSection = tuple[str, Sequence[BindingType]]


def _bindings(items: Iterable[BindingType]) -> Iterable[Binding]:
    for item in items:
        if isinstance(item, Binding):
            yield item
        else:
            key, action, description = (*item, "")[:3]
            yield Binding(key, action, description)


def key_table(app: Any, sections: Sequence[HelpSection], keymap: dict[str, str] | None = None) -> Table:
    """Key, what it does, and the binding id (what DESKAPP_KEYS remaps), section by section."""
    keymap = keymap or {}
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", style="bold", min_width=14)
    table.add_column()
    table.add_column(style="dim")
    for title, bindings in sections:
        table.add_row("", "", "")
        table.add_row(Text(title, style="bold underline"), "", "")
        seen: set[str] = set()
        for b in _bindings(bindings):
            if not b.description or b.action in seen and b.key in seen:
                continue
            seen.add(b.key)
            key = keymap.get(b.id, b.key) if b.id else b.key
            keys = " / ".join(app.get_key_display(Binding(k.strip(), b.action)) for k in key.split(","))
            table.add_row(Text(keys), Text(b.description), Text(b.id or ""))
    return table


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "forms.tcss"
    BINDINGS = [
        Binding("escape,question_mark,q,f1", "close", "Close", id="help.close"),
    ]

    def __init__(self, sections: Sequence[HelpSection], keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="form help") as box:
            box.border_title = "Keys"
            with VerticalScroll():
                yield Static(key_table(self.app, self.sections, self.keymap), id="help-keys")
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)
