"""`deskapp due`: overdue and upcoming follow-ups, for cron or a login shell.

A listing: it writes nothing (the reminders the rules make are created by the open desk and by
`deskapp sweep`; `--sweep` runs that first, for a cron line that wants both). Always exits 0; `--json`
keys are stable for scripts.
"""

from __future__ import annotations

from typing import Any

import typer

from deskapp.cli.common import console, desk, handle_errors, print_json

PAGE = 20_000  # large pages: the query sorts and skips with OFFSET, so fewer pages cost less
SHOWN = 100  # rows per table section; --json lists everything


@handle_errors
def due(
    ctx: typer.Context,
    days: int = typer.Option(7, "--days", "-d", min=0, max=3650, help="Also list what falls due this many days ahead."),
    mine: bool = typer.Option(False, "--mine", help="Only follow-ups assigned to you (--as / DESKAPP_USER / login)."),
    sweep: bool = typer.Option(
        False, "--sweep/--no-sweep", help="Run `deskapp sweep` first (default: no; due only lists)."
    ),
    model: bool = typer.Option(
        True, "--model/--no-model", help="With --sweep: flag at-risk customers by P(alive) too (slower)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List overdue follow-ups and those due within --days, oldest first."""
    from deskapp.core.activity import due_follow_ups
    from deskapp.core.db import current_staff
    from deskapp.core.records import clock

    state = desk(ctx)
    engine = state.engine()
    today = clock.today()
    created: dict[str, int] = {}
    if sweep:
        from deskapp.core.analytics import run_sweep

        with state.session(engine, write=True) as session:
            result = run_sweep(session, today, ahead_days=days, use_model=model)
        for action in result.actions:
            created[action.rule] = created.get(action.rule, 0) + 1
    who = current_staff(state.staff) if mine else None
    rows: list[Any] = []
    with state.session(engine) as session:
        offset = 0
        while True:
            page = due_follow_ups(session, today, days, assignee=who, offset=offset, limit=PAGE)
            rows.extend(page.items)
            if not page.has_more:
                break
            offset += PAGE
    overdue = [r for r in rows if r.days_overdue > 0]
    due_today = [r for r in rows if r.days_overdue == 0]
    upcoming = [r for r in rows if r.days_overdue < 0]
    if as_json:
        print_json(
            {
                "today": today.isoformat(),
                "days": days,
                "assignee": who,
                "created_by_sweep": created,
                "overdue": [_row(r) for r in overdue],
                "today_due": [_row(r) for r in due_today],
                "upcoming": [_row(r) for r in upcoming],
            }
        )
        return
    _print(overdue, due_today, upcoming, created, days)


def _shown(rows: list[Any]) -> list[Any]:
    return rows[:SHOWN]


def _row(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "customer_id": r.customer_id,
        "customer": r.customer_name,
        "due_date": r.due_date.isoformat(),
        "due_time": r.due_time.strftime("%H:%M") if r.due_time else None,
        "kind": r.kind,
        "note": r.note,
        "status": r.status,
        "assignee": r.assignee,
        "days_overdue": r.days_overdue,
        "complaint_id": r.complaint_id,
    }


def _print(overdue: list[Any], due_today: list[Any], upcoming: list[Any], created: dict[str, int], days: int) -> None:
    from rich.table import Table
    from rich.text import Text

    if created:
        made = ", ".join(f"{n} {rule.replace('_', ' ')}" for rule, n in sorted(created.items()))
        console.print(Text(f"Automation created: {made}.", style="dim"))
    if not (overdue or due_today or upcoming):
        console.print(Text(f"Nothing due in the next {days} days."))
        return
    for title, rows, style in (
        ("Overdue", overdue, "red"),
        ("Today", due_today, "bold"),
        (f"Next {days} days", upcoming, ""),
    ):
        if not rows:
            continue
        table = Table("id", "due", "customer", "kind", "assignee", "note", title=f"{title} ({len(rows)})")
        table.title_style = style or None
        table.title_justify = "left"
        for r in _shown(rows):
            when = r.due_date.isoformat() + (f" {r.due_time.strftime('%H:%M')}" if r.due_time else "")
            note = r.note.splitlines()[0] if r.note else ""
            cells = (r.id, when, r.customer_name, r.kind.replace("_", "-"), r.assignee, note)
            table.add_row(*(Text(str(c)) for c in cells))
        console.print(table)
        if len(rows) > SHOWN:
            console.print(Text(f"({len(rows) - SHOWN} more; --json lists them all)", style="dim"))
