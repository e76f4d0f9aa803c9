"""The small form the Settings page opens: one value, typed as the list shows it, checked by the core."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from deskapp.tui.dialogs.forms import FormField, FormScreen

if TYPE_CHECKING:
    from deskapp.core.db.engine import DeskSession
    from deskapp.core.ops.settings_admin import SettingView


class SettingForm(FormScreen):
    """One setting's value, as text in the terms the list shows (`30%`, `retention=60, churned=off`)."""

    TITLE = "Change a setting"

    def __init__(self, view: SettingView) -> None:
        self.view = view
        super().__init__()

    def fields(self) -> Iterable[FormField]:
        yield FormField(self.view.key, "Value", value=self.view.text)

    def intro(self) -> Iterable[Widget]:
        v = self.view
        text = Text.assemble((v.key, "bold"), f": {v.description}\n", ("Takes ", "dim"), v.allowed)
        text.append(f"\nDefault: {v.default_text}", style="dim")
        yield Static(text, classes="form-context")

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.ops.settings_admin import change_setting

        return change_setting(session, self.view.key, str(values[self.view.key])).message()
