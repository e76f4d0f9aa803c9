"""The small form the Settings page opens: one value, typed as the list shows it, checked by the core.

Keys typed in the same burst as the Enter that opens it would otherwise go to the page beneath or vanish
while the form is still being pushed (ARCHITECTURE.md, pitfalls): the page hands them to `type_ahead`, the
form keeps those that arrive before its field has focus, and both are typed into the field, in order, as
soon as it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Input, Static

from deskapp.tui.dialogs.forms import FormField, FormScreen

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.ops import SettingView


class SettingForm(FormScreen):
    """One setting's value, as text in the terms the list shows (`30%`, `retention=60, churned=off`)."""

    TITLE = "Change a setting"

    def __init__(self, view: SettingView) -> None:
        self.view = view
        self._early: list[str] = []
        super().__init__()

    def fields(self) -> Iterable[FormField]:
        yield FormField(self.view.key, "Value", value=self.view.text)

    def intro(self) -> Iterable[Widget]:
        v = self.view
        text = Text.assemble((v.key, "bold"), f": {v.description}\n", ("Takes ", "dim"), v.allowed)
        text.append(f"\nDefault: {v.default_text}", style="dim")
        yield Static(text, classes="form-context")

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.ops import change_setting

        return change_setting(session, self.view.key, str(values[self.view.key])).message()

    # --- type-ahead -----------------------------------------------------------------------------------------

    def _field(self) -> Input | None:
        found = self.query(f"#input-{self.view.key}")
        widget = found.first() if found else None
        return widget if isinstance(widget, Input) else None

    def type_ahead(self, character: str) -> None:
        """A character typed before the field had focus: typed into it once it has."""
        field = self._field()
        if field is not None and field.has_focus:
            _type(field, character)
        else:
            self._early.append(character)

    def on_key(self, event: events.Key) -> None:
        field = self._field()
        if event.is_printable and event.character and (field is None or not field.has_focus):
            event.stop()
            event.prevent_default()
            self._early.append(event.character)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        field = self._field()
        if self._early and event.widget is field and field is not None:
            # After the field's own focus handling (which selects the value), so the first key replaces it.
            field.call_later(self._type_early, field)

    def _type_early(self, field: Input) -> None:
        early, self._early = self._early, []
        for character in early:
            _type(field, character)


def _type(field: Input, character: str) -> None:
    """What the field does with a printable key: replace the selection, or insert at the cursor."""
    if field.selection.is_empty:
        field.insert_text_at_cursor(character)
    else:
        field.replace(character, *field.selection)
