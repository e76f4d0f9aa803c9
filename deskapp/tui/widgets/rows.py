"""How a follow-up, a complaint or a customer looks as a table row (shared by the pages that list them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from deskapp.tui.text import age, cell, day, hhmm, words
from deskapp.tui.widgets.tables import Row

if TYPE_CHECKING:
    from datetime import datetime

    from deskapp.core.records import ComplaintRow, CustomerRow, FollowUpRow

PRIORITY_STYLE = {"urgent": "bold red", "high": "red", "normal": "", "low": "dim"}
STAGE_STYLE = {
    "awareness": "cyan",
    "consideration": "blue",
    "purchase": "green",
    "retention": "bold green",
    "advocacy": "magenta",
    "churned": "dim",
}

FOLLOW_UP_COLUMNS = (("Due", 20), ("Customer", 22), ("Kind", 19), ("Note", 37), ("Assignee", 8))
COMPLAINT_COLUMNS = (
    ("Priority", 8),
    ("Status", 12),
    ("Age", 8),
    ("1st response", 13),
    ("Customer", 20),
    ("Subject", 34),
    ("Owner", 8),
)
CUSTOMER_COLUMNS = (  # widths + 2 cells of padding each fit 120 columns with the scrollbar
    ("Name", 22),
    ("Company", 19),
    ("Stage", 13),
    ("Owner", 8),
    ("Source", 9),
    ("Tags", 13),
    ("E-mail", 20),
)
STATUS_LABEL = {"waiting_on_customer": "waiting", "in_progress": "in progress"}


def due_label(row: FollowUpRow) -> Text:
    """ "3 days late" in red, "today 14:00", or the upcoming day."""
    at = hhmm(row.due_time)
    if row.days_overdue > 0:
        return Text(f"{day(row.due_date)} · {row.days_overdue}d late", style="red")
    if row.days_overdue == 0:
        return Text(f"today {at}".strip(), style="bold yellow")
    return Text(f"{day(row.due_date)} {at}".strip())


def follow_up_row(row: FollowUpRow) -> Row:
    kind = words(row.kind) + (" (snoozed)" if row.status == "snoozed" else "")
    cells = (due_label(row), cell(row.customer_name, "bold"), cell(kind), cell(row.note), cell(row.assignee))
    return (f"f{row.id}", cells, row)


def first_response(row: ComplaintRow, now: datetime) -> Text:
    if row.first_response_at is not None:
        return Text("answered late", style="yellow") if row.first_response_late else Text("answered", style="dim")
    if row.first_response_late:
        return Text("LATE", style="bold red")
    if row.first_response_due is None:
        return Text("")
    hours = max(0, int((row.first_response_due - now).total_seconds() // 3600))
    return Text(f"due in {hours} h" if hours < 48 else f"due in {hours // 24} d")


def complaint_row(row: ComplaintRow, now: datetime) -> Row:
    cells = (
        Text(row.priority, style=PRIORITY_STYLE.get(row.priority, "")),
        cell(STATUS_LABEL.get(row.status, words(row.status))),
        Text(age(row.age_days)),
        first_response(row, now),
        cell(row.customer_name, "bold"),
        cell(row.subject),
        cell(row.owner),
    )
    return (f"c{row.id}", cells, row)


def customer_row(row: CustomerRow) -> Row:
    cells = (
        cell(row.name, "bold"),
        cell(row.company),
        cell(words(row.stage), STAGE_STYLE.get(row.stage, "")),
        cell(row.owner),
        cell(row.source),
        cell(", ".join(row.tags)),
        cell(row.email),
    )
    return (str(row.id), cells, row)
