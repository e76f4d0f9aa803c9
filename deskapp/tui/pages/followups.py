"""Follow-ups: every open reminder by date, filtered to mine, to the overdue ones, or to one kind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static

from deskapp.tui.pages.actions import FOLLOW_UP_ACTIONS, FOLLOW_UP_BINDINGS, FollowUpActions
from deskapp.tui.pages.paged import PagedListScreen
from deskapp.tui.text import words
from deskapp.tui.widgets.rows import FOLLOW_UP_COLUMNS, follow_up_row
from deskapp.tui.widgets.tables import DeskTable, Row

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.records import FollowUpRow, Page

KINDS = (
    "check_in",
    "thank_you",
    "complaint_follow_up",
    "onboarding",
    "special_day",
    "win_back",
    "referral_ask",
    "other",
)
HORIZON_DAYS = 3660  # "every open reminder": ten years ahead is all of them in practice
PAGE = 200


@dataclass(frozen=True)
class FollowUpsQuery:
    mine: bool
    overdue: bool
    kind: str | None
    assignee: str | None
    generation: int


@dataclass(frozen=True)
class FollowUpsData:
    query: FollowUpsQuery
    page: Page[FollowUpRow]


class FollowUpsScreen(FollowUpActions, PagedListScreen[FollowUpsQuery, "FollowUpRow"]):
    SECTION = "follow_ups"
    TITLE = "Follow-ups"
    CSS_PATH = "lists.tcss"
    AUTO_FOCUS = "#follow-ups"
    TABLE_ID = "follow-ups"
    LOADING_MORE = "loading more follow-ups"
    BINDINGS = [
        *FOLLOW_UP_BINDINGS,
        Binding("m", "toggle_mine", "Mine", id="follow-ups.mine"),
        Binding("o", "toggle_overdue", "Overdue", id="follow-ups.overdue"),
        Binding("k", "focus_kind", "Kind", id="follow-ups.kind", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self.overdue = False

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="filters"):
            yield Select([(words(k), k) for k in KINDS], prompt="Kind: any", id="filter-kind", compact=True)
            yield Static("", id="flags", classes="flag")
        yield DeskTable(id="follow-ups")
        yield Static("", id="follow-ups-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#follow-ups", DeskTable).set_columns(*FOLLOW_UP_COLUMNS)
        self._flags()

    def params(self) -> FollowUpsQuery:
        kind = self.query_one("#filter-kind", Select).value
        return FollowUpsQuery(
            mine=self.mine,
            overdue=self.overdue,
            kind=None if kind is Select.NULL else str(kind),
            assignee=self.desk_app.desk.staff or None,
            generation=self._generation,
        )

    def fetch(self, session: DeskSession, params: FollowUpsQuery) -> FollowUpsData:
        return FollowUpsData(params, self.fetch_page(session, params, 0))

    def fetch_page(self, session: DeskSession, query: FollowUpsQuery, offset: int) -> Page[FollowUpRow]:
        from deskapp.core.activity import due_follow_ups

        return due_follow_ups(
            session,
            days=HORIZON_DAYS,
            assignee=query.assignee if query.mine else None,
            kind=query.kind,
            overdue_only=query.overdue,
            offset=offset,
            limit=PAGE,
        )

    def row(self, item: FollowUpRow) -> Row:
        return follow_up_row(item)

    def show(self, data: FollowUpsData) -> None:
        if not self.answers_latest(data.query):
            return
        table = self.list_table()
        self.show_first_page(data.page)
        self._status()
        if self.focused is None and table.row_count:
            table.focus()
        self.refresh_bindings()

    def _status(self) -> None:
        table = self.query_one("#follow-ups", DeskTable)
        rows = list(table.models.values())
        overdue = sum(1 for r in rows if r.days_overdue > 0)
        today = sum(1 for r in rows if r.days_overdue == 0)
        text = Text(f"{len(rows)}{'+' if table.has_more else ''} open · ")
        text.append(f"{overdue} overdue", style="red" if overdue else "").append(f" · {today} due today")
        self.query_one("#follow-ups-status", Static).update(text)

    def more_shown(self) -> None:
        self._status()

    @on(Select.Changed, "#filter-kind")
    def _kind_changed(self) -> None:
        if self._shown_once:
            self.reload()

    def action_toggle_mine(self) -> None:
        self.mine = not self.mine
        self._flags()
        self.reload()

    def action_toggle_overdue(self) -> None:
        self.overdue = not self.overdue
        self._flags()
        self.reload()

    def action_focus_kind(self) -> None:
        self.query_one("#filter-kind", Select).focus()

    def _flags(self) -> None:
        text = Text()
        if self.mine:
            text.append(" mine only ", style="reverse")
            text.append(" ")
        if self.overdue:
            text.append(" overdue only ", style="reverse red")
        self.query_one("#flags", Static).update(text)

    def selected_follow_up(self) -> FollowUpRow | None:
        model: FollowUpRow | None = self.query_one("#follow-ups", DeskTable).current_model()
        return model

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in FOLLOW_UP_ACTIONS or action == "log_call":
            return True if self.selected_follow_up() else None
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.selected_follow_up()
        if row is not None:
            self.desk_app.open_customer(row.customer_id)
