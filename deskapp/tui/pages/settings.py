"""Settings: every business setting with its value and default; Enter edits the one under the cursor.

The form checks nothing itself: what was typed goes to the core's `change_setting` in a write worker, which
refuses it (naming what the setting takes, shown under the field) or stores it with its audit entry; the
list reloads with the new value as soon as the form closes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from deskapp.tui.dialogs.setting_form import SettingForm
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import one_line
from deskapp.tui.widgets.tables import DeskTable, Row

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.ops import SettingView

COLUMNS = (("Setting", 30), ("Value", 40), ("Default", 40))


def setting_row(view: SettingView) -> Row:
    value = Text(one_line(view.text), style="" if view.is_default else "bold")
    return view.key, [Text(view.key), value, Text(one_line(view.default_text), style="dim")], view


def setting_details(view: SettingView | None) -> Text:
    """The row under the cursor in full: the table cuts long values (cadences) to the column."""
    if view is None:
        return Text("")
    text = Text.assemble((view.key, "bold"), f" — {view.description}\n")
    for label, value in (("Value", view.text), ("Default", view.default_text), ("Takes", view.allowed)):
        text.append(f"{label:<9}", style="dim")
        text.append(f"{one_line(value)}\n")
    text.rstrip()
    return text


class SettingsScreen(DeskScreen):
    SECTION = "settings"
    TITLE = "Settings"
    CSS_PATH = "lists.tcss"
    CSS = "#settings { height: 1fr; } #setting-details { height: auto; padding: 1 1 0 1; }"
    AUTO_FOCUS = "#settings"
    BINDINGS = [
        Binding("r", "reset_setting", "Reset to default", id="settings.reset"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._opening: SettingForm | None = None  # pushed and not yet closed

    def compose_body(self) -> Iterable[Widget]:
        yield DeskTable(id="settings")
        yield Static("", id="setting-details")
        yield Static("", id="settings-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#settings", DeskTable).set_columns(*COLUMNS)

    def fetch(self, session: DeskSession, params: Any) -> tuple[SettingView, ...]:
        from deskapp.core.ops import list_settings

        return list_settings(session)

    def show(self, data: tuple[SettingView, ...]) -> None:
        table = self.query_one("#settings", DeskTable)
        table.set_rows(setting_row(v) for v in data)
        changed = sum(1 for v in data if not v.is_default)
        status = f"{len(data)} settings, {changed} changed from the default"
        self.query_one("#settings-status", Static).update(Text(status))
        self._show_details()
        if self.focused is None:
            table.focus()
        self.refresh_bindings()

    def selected(self) -> SettingView | None:
        view: SettingView | None = self.query_one("#settings", DeskTable).current_model()
        return view

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self._opening is not None:
            return False
        if action == "reset_setting":
            view = self.selected()
            return True if view is not None and not view.is_default else None
        return True

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_details()
        self.refresh_bindings()

    def _show_details(self) -> None:
        self.query_one("#setting-details", Static).update(setting_details(self.selected()))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self._open_form()  # a click; Enter is handled in on_key, before any key typed after it

    def _open_form(self) -> None:
        view = self.selected()
        if view is None or self._opening is not None:
            return
        self._opening = SettingForm(view)
        self.app.push_screen(self._opening, self._form_closed)

    def on_key(self, event: events.Key) -> None:
        """Enter opens the form here, not through the table's RowSelected message: the keys typed right
        after it are already queued, and the page keys among them (1-7 switch pages) would run first.
        Those letters and digits belong in the form."""
        if self._opening is None and event.key == "enter" and isinstance(self.focused, DeskTable):
            event.stop()
            event.prevent_default()
            self._open_form()
        elif self._opening is not None and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self._opening.type_ahead(event.character)

    def _form_closed(self, result: Any) -> None:
        self._opening = None
        self.form_done(result)

    def action_reset_setting(self) -> None:
        view = self.selected()
        if view is None or view.is_default:
            return
        from deskapp.tui.dialogs.forms import ConfirmScreen

        question = Text.assemble("Put ", (view.key, "bold"), f" back to its default, {one_line(view.default_text)}?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.write("resetting the setting", lambda session: _reset(session, view.key))

        self.app.push_screen(ConfirmScreen(question, title="Reset a setting"), answered)


def _reset(session: DeskSession, key: str) -> str:
    from deskapp.core.ops import reset_setting

    return reset_setting(session, key).message()
