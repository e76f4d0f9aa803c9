"""`deskapp import history` and `deskapp import undo BATCH`: the imports a desk has had, and taking one back.

Registered in `importing.IMPORT_ACTIONS`, so they sit under the same word as the imports they list; they
read `--json` and `--dry-run` from the import command's own options. Thin: deskapp.core.io.importing.batches
decides what an undo may do.
"""

from __future__ import annotations

import contextlib
from typing import Any

import typer
from rich.text import Text

from deskapp.cli.common import console, desk, err_console, fail, print_json
from deskapp.cli.importing import IMPORT_ACTIONS

DEFAULT_LIMIT = 20


def _when(moment: Any) -> str:
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _counts(counts: dict[str, int]) -> str:
    parts = [f"{counts.get(k, 0):,} {k}" for k in ("inserted", "updated", "unchanged", "skipped", "rejected")]
    return ", ".join(p for p in parts if not p.startswith("0 ")) or "no rows"


def history(ctx: typer.Context, argument: str | None) -> None:
    """`deskapp import history [N]`: the latest N imports (default 20), newest first."""
    from deskapp.core.io import list_batches

    limit = DEFAULT_LIMIT
    if argument is not None:
        if not argument.isdigit() or int(argument) < 1:
            fail(f"deskapp import history takes how many imports to show, not {argument!r}")
        limit = int(argument)
    state = desk(ctx)
    with state.session(state.engine()) as session:
        rows = list_batches(session, limit=limit)
    if ctx.params.get("as_json"):
        print_json([row.as_dict() for row in rows])
        return
    if not rows:
        console.print("No imports yet.")
        return
    from rich.table import Table

    table = Table("batch", "when", "what", "file", "by", "rows", "state", box=None, pad_edge=False)
    for row in rows:
        undone = f"undone {_when(row.undone_at)}" + (f" by {row.undone_by}" if row.undone_by else "")
        table.add_row(
            str(row.id),
            _when(row.started_at),
            Text(row.kind),
            Text(row.file_name),
            Text(row.staff),
            Text(_counts(row.counts)),
            Text(undone if row.undone_at else "", style="dim"),
        )
    console.print(table)
    console.print(Text("Take one back with: deskapp import undo BATCH", style="dim"))


def undo(ctx: typer.Context, argument: str | None) -> None:
    """`deskapp import undo BATCH [--dry-run] [--json]`: remove what it added, restore what it changed."""
    from deskapp.core.io import ImportUndoRefused, undo_batch

    if argument is None or not argument.isdigit():
        fail("say which import to undo: deskapp import undo BATCH (deskapp import history lists them)")
    batch_id = int(argument)
    dry_run, as_json = bool(ctx.params.get("dry_run")), bool(ctx.params.get("as_json"))
    state = desk(ctx)
    engine = state.engine()
    busy = err_console.status(f"undoing import {batch_id}…") if err_console.is_terminal else contextlib.nullcontext()
    try:
        with busy, state.session(engine, write=True) as session:  # a big batch takes seconds: say so meanwhile
            result = undo_batch(session, batch_id, dry_run=dry_run)
    except ImportUndoRefused as refused:
        if as_json:
            print_json({"undone": False, "batch": batch_id, "reasons": refused.reasons, "blockers": refused.total})
        else:
            headline = f"Import {batch_id} was not undone: that would lose these later changes."
            console.print(Text(headline, style="bold red"), soft_wrap=True)
            for reason in refused.reasons:
                console.print(Text(f"  {reason}"), soft_wrap=True)
            if refused.total > len(refused.reasons):
                console.print(Text(f"  ... and {refused.total - len(refused.reasons)} more"))
            console.print(Text("Undo the later imports first, or fix those records by hand.", style="dim"))
        raise typer.Exit(1) from None
    if as_json:
        print_json({"undone": not dry_run, **result.as_dict()})
        return
    batch = result.batch
    by = f" by {batch.staff}" if batch.staff else ""
    what = f"{batch.kind} from {batch.file_name}, {_when(batch.started_at)}{by}"
    verb = ("would remove", "would restore") if dry_run else ("removed", "restored")
    line = f"{verb[0]} {_listed(result.removed)}; {verb[1]} {_listed(result.restored)}."
    if dry_run:
        console.print(Text(f"Dry run, nothing changed. Undoing import {batch_id} ({what}) {line}"), soft_wrap=True)
    else:
        console.print(Text(f"Undid import {batch_id} ({what}): {line}", style="bold green"), soft_wrap=True)


PLURALS = {"staff": "staff", "follow_up": "follow-ups"}


def _listed(counts: dict[str, int]) -> str:
    """Parents first, as a person thinks of them: "2 customers, 2 stage changes"."""
    first = ["customer", "interaction", "purchase", "complaint", "follow_up"]
    ordered = sorted(counts, key=lambda t: (first.index(t) if t in first else len(first), t))
    words = [f"{counts[t]:,} {PLURALS.get(t, t.replace('_', ' ') + 's')}" for t in ordered if counts[t]]
    return ", ".join(words) or "nothing"


IMPORT_ACTIONS["history"] = history
IMPORT_ACTIONS["undo"] = undo
