"""`deskapp sweep`: the remembering rules for cron (the open desk runs them by itself every few minutes).

Cadence check-ins, special days, at-risk flags and win-backs, under the guard (one a day per customer, the
over-contact limit, the daily cap). Idempotent: a second run creates nothing new. `--dry-run` says what a
run would create and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import typer

from deskapp.cli.common import console, desk, handle_errors, print_json


@handle_errors
def sweep(
    ctx: typer.Context,
    days: int = typer.Option(
        0, "--days", "-d", min=0, max=365, help="Also create what falls due this many days ahead."
    ),
    model: bool = typer.Option(True, "--model/--no-model", help="Flag at-risk customers by P(alive) too (slower)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be created; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Run the reminder rules once: check-ins, special days, at-risk, win-back (idempotent)."""
    from deskapp.core.analytics import run_sweep
    from deskapp.core.records import clock

    state = desk(ctx)
    engine = state.engine()
    today = clock.today()
    with state.session(engine, write=not dry_run) as session:
        result = run_sweep(session, today, ahead_days=days, use_model=model, dry_run=dry_run)
    counts = Counter(a.rule for a in result.actions)
    if as_json:
        print_json(
            {
                "today": today.isoformat(),
                "dry_run": dry_run,
                "created": dict(sorted(counts.items())),
                "held_back": result.held_back,
                "notes": list(result.notes),
                "actions": [_action(a) for a in result.actions],
            }
        )
        return
    _print(result, counts)


def _action(a: Any) -> dict[str, Any]:
    return {
        "rule": a.rule,
        "customer_id": a.customer_id,
        "follow_up_id": a.follow_up_id,
        "due_date": a.due_date.isoformat(),
        "reason": a.reason,
    }


def _print(result: Any, counts: Counter[str]) -> None:
    from rich.table import Table
    from rich.text import Text

    verb = "Would create" if result.dry_run else "Created"
    if not counts and result.held_back:
        console.print(Text("Nothing more today: the daily cap of new automatic reminders is used up."))
    elif not counts:
        console.print(Text("Nothing new: every reminder the rules want already exists."))
    else:
        made = ", ".join(f"{n} {rule.replace('_', ' ')}" for rule, n in sorted(counts.items()))
        console.print(Text(f"{verb} {sum(counts.values())}: {made}."))
        table = Table("rule", "customer", "due", "why", title=f"{verb} ({len(result.actions)})", title_justify="left")
        for a in result.actions[:100]:
            table.add_row(*(Text(str(c)) for c in (a.rule.replace("_", " "), a.customer_id, a.due_date, a.reason)))
        console.print(table)
        if len(result.actions) > 100:
            console.print(Text(f"({len(result.actions) - 100} more; --json lists them all)", style="dim"))
    for note in result.notes:
        console.print(Text(note, style="dim"))
