"""Complaints: every open case, most urgent first, with its age and whether the first response is late."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static

from deskapp.tui.pages.actions import COMPLAINT_ACTIONS, COMPLAINT_BINDINGS, ComplaintActions, FollowUpActions
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import words
from deskapp.tui.widgets.rows import COMPLAINT_COLUMNS, complaint_row
from deskapp.tui.widgets.tables import DeskTable

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.records import ComplaintRow, Page

OPEN_STATUSES = ("open", "in_progress", "waiting_on_customer")


@dataclass(frozen=True)
class ComplaintsQuery:
    status: str | None
    late_only: bool


@dataclass(frozen=True)
class ComplaintsData:
    query: ComplaintsQuery
    page: Page[ComplaintRow]
    now: datetime


class ComplaintsScreen(ComplaintActions, FollowUpActions, DeskScreen):
    SECTION = "complaints"
    TITLE = "Complaints"
    CSS_PATH = "lists.tcss"
    AUTO_FOCUS = "#complaints"
    BINDINGS = [
        *COMPLAINT_BINDINGS,
        Binding("l", "log_call", "Log call", id="complaints.log-call"),
        Binding("o", "toggle_late", "Late only", id="complaints.late-only"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.late_only = False

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="filters"):
            yield Select(
                [(words(s), s) for s in OPEN_STATUSES], prompt="Status: all open", id="filter-status", compact=True
            )
            yield Static("", id="late-flag", classes="flag")
        yield DeskTable(id="complaints")
        yield Static("", id="complaints-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#complaints", DeskTable).set_columns(*COMPLAINT_COLUMNS)
        self._flag()

    def params(self) -> ComplaintsQuery:
        value = self.query_one("#filter-status", Select).value
        return ComplaintsQuery(None if value is Select.NULL else str(value), self.late_only)

    def fetch(self, session: DeskSession, params: ComplaintsQuery) -> ComplaintsData:
        from deskapp.core.activity import open_complaints
        from deskapp.core.records import clock

        now = clock.now()
        page = open_complaints(session, now=now, status=params.status, late_only=params.late_only, limit=500)
        return ComplaintsData(params, page, now)

    def show(self, data: ComplaintsData) -> None:
        table = self.query_one("#complaints", DeskTable)
        table.set_rows(complaint_row(r, data.now) for r in data.page.items)
        late = sum(1 for r in data.page.items if r.first_response_late and r.first_response_at is None)
        status = Text(f"{len(data.page.items)}{'+' if data.page.has_more else ''} cases")
        if late:
            status.append(f" · {late} waiting past their first-response deadline", style="bold red")
        self.query_one("#complaints-status", Static).update(status)
        if self.focused is None and table.row_count:
            table.focus()
        self.refresh_bindings()

    @on(Select.Changed, "#filter-status")
    def _filter(self) -> None:
        if self._shown_once:
            self.reload()

    def action_toggle_late(self) -> None:
        self.late_only = not self.late_only
        self._flag()
        self.reload()

    def _flag(self) -> None:
        text = Text(" late first responses only ", style="reverse red") if self.late_only else Text("")
        self.query_one("#late-flag", Static).update(text)

    def selected_complaint(self) -> ComplaintRow | None:
        model: ComplaintRow | None = self.query_one("#complaints", DeskTable).current_model()
        return model

    def selected_follow_up(self) -> None:
        return None

    def selected_customer(self) -> tuple[int, str] | None:
        row = self.selected_complaint()
        return (row.customer_id, row.customer_name) if row else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in COMPLAINT_ACTIONS or action == "log_call":
            return True if self.selected_complaint() else None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected_complaint()
        if row is not None:
            self.desk_app.open_customer(row.customer_id)
