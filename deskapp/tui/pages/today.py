"""Today, the home page: who needs a call (overdue first, then due today), which complaints are open, and a
line of figures. Everything the morning needs, with the keys to act on it from the row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Static

from deskapp.tui.pages.actions import (
    COMPLAINT_ACTIONS,
    COMPLAINT_BINDINGS,
    FOLLOW_UP_ACTIONS,
    FOLLOW_UP_BINDINGS,
    ComplaintActions,
    FollowUpActions,
)
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import cell, words
from deskapp.tui.widgets.rows import COMPLAINT_COLUMNS, FOLLOW_UP_COLUMNS, complaint_row, follow_up_row
from deskapp.tui.widgets.tables import DeskTable

if TYPE_CHECKING:
    from deskapp.core.activity import TodayBoard
    from deskapp.core.db import DeskSession
    from deskapp.core.records import ComplaintRow, DeskSummary, FollowUpRow


AT_RISK_SHOWN = 4  # names on the at-risk line; the rest are counted


def figures(summary: DeskSummary, at_risk: tuple[str, ...] = ()) -> Text:
    """Customers by stage · follow-ups · complaints, then who is flagged at risk, a line each."""
    line = Text()
    stages = " · ".join(f"{words(s.stage)} {s.customers}" for s in summary.customers_by_stage)
    line.append("Customers  ", style="bold").append(stages)
    line.append("\n")
    line.append("Follow-ups ", style="bold")
    line.append(f"{summary.overdue} overdue", style="red" if summary.overdue else "")
    line.append(f" · {summary.due_today} today · {summary.done_this_week} done this week")
    line.append("   │   ")
    line.append("Complaints ", style="bold").append(f"{summary.open_complaints} open")
    if summary.late_first_responses:
        line.append(f" · {summary.late_first_responses} late", style="bold red")
    line.append("\n")
    line.append("At risk    ", style="bold")
    if not at_risk:
        line.append("nobody flagged")
        return line
    for i, name in enumerate(at_risk[:AT_RISK_SHOWN]):
        if i:
            line.append(" · ")
        line.append_text(cell(name, "yellow"))
    if len(at_risk) > AT_RISK_SHOWN:
        line.append(f" · and {len(at_risk) - AT_RISK_SHOWN} more (open their check-ins below)")
    return line


class TodayScreen(FollowUpActions, ComplaintActions, DeskScreen):
    SECTION = "today"
    TITLE = "Today"
    AUTO_FOCUS = ""  # no focus (and footer rebuild) before the data: it then goes where the work is
    BINDINGS = [*FOLLOW_UP_BINDINGS, *COMPLAINT_BINDINGS]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="figures")
        with Vertical(id="today-lists"):
            # Columns and titles set before mounting: the first frame is drawn once, complete.
            for table_id, title, columns in (
                ("overdue", "Overdue", FOLLOW_UP_COLUMNS),
                ("due-today", "Due today", FOLLOW_UP_COLUMNS),
                ("open-complaints", "Open complaints", COMPLAINT_COLUMNS),
            ):
                table = DeskTable(id=table_id, classes="boxed")
                table.set_columns(*columns)
                table.border_title = title
                yield table

    def fetch(self, session: DeskSession, params: Any) -> TodayBoard:
        from deskapp.core import activity
        from deskapp.core.analytics import open_at_risk_flags
        from deskapp.core.records import clock

        flagged = open_at_risk_flags(session)
        return activity.today_board(session, today=clock.today(), now=clock.now(), at_risk_ids=flagged)

    def show(self, data: TodayBoard) -> None:
        from deskapp.tui import probe

        self.query_one("#figures", Static).update(figures(data.summary, data.at_risk))
        overdue = self.query_one("#overdue", DeskTable)
        overdue.set_rows(follow_up_row(r) for r in data.overdue)
        more = "+" if data.more_follow_ups else ""
        overdue.border_title = f"Overdue · {len(data.overdue)}{more}" if data.overdue else "Overdue · none"
        today = self.query_one("#due-today", DeskTable)
        today.set_rows(follow_up_row(r) for r in data.due_today)
        today.border_title = f"Due today · {len(data.due_today)}" if data.due_today else "Due today · none"
        complaints = self.query_one("#open-complaints", DeskTable)
        complaints.set_rows(complaint_row(r, data.now) for r in data.complaints)
        late = sum(1 for r in data.complaints if r.first_response_late and r.first_response_at is None)
        title = f"Open complaints · {len(data.complaints)}{'+' if data.more_complaints else ''}"
        complaints.border_title = title + (f" · {late} late first response" if late else "")
        self._focus_first_nonempty()
        self.refresh_bindings()
        probe.mark(self.app, "today-loaded")

    def _focus_first_nonempty(self) -> None:
        """On first show, put the cursor where the work is: the oldest overdue follow-up."""
        if self.focused is not None and isinstance(self.focused, DeskTable) and self.focused.row_count:
            return
        if self.focused is not None and not isinstance(self.focused, DeskTable):
            return
        for table_id in ("#overdue", "#due-today", "#open-complaints"):
            table = self.query_one(table_id, DeskTable)
            if table.row_count:
                table.focus()
                return

    # --- selection ----------------------------------------------------------------------------------------

    def _focused_table(self) -> DeskTable | None:
        return self.focused if isinstance(self.focused, DeskTable) else None

    def selected_follow_up(self) -> FollowUpRow | None:
        table = self._focused_table()
        if table is None or table.id == "open-complaints":
            return None
        model: FollowUpRow | None = table.current_model()
        return model

    def selected_complaint(self) -> ComplaintRow | None:
        table = self._focused_table()
        if table is None or table.id != "open-complaints":
            return None
        model: ComplaintRow | None = table.current_model()
        return model

    def selected_customer(self) -> tuple[int, str] | None:
        row = self.selected_follow_up() or self.selected_complaint()
        return (row.customer_id, row.customer_name) if row else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that fit the focused list (follow-up keys on follow-ups, case keys on cases)."""
        table = self._focused_table()
        on_complaints = table is not None and table.id == "open-complaints"
        if action in FOLLOW_UP_ACTIONS:
            return False if on_complaints else (True if self.selected_follow_up() else None)
        if action in COMPLAINT_ACTIONS:
            return (True if self.selected_complaint() else None) if on_complaints else False
        if action == "log_call":
            return True if self.selected_customer() else None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        model = event.data_table.current_model() if isinstance(event.data_table, DeskTable) else None
        if model is not None:
            self.desk_app.open_customer(model.customer_id)
