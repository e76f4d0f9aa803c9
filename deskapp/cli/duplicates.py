"""`deskapp duplicates` and `deskapp merge`: find customers entered twice, merge them, undo a merge.

`merge A B` shows the field-by-field plan and asks before it writes (`--yes` for scripts; `--json` without
`--yes` prints the plan and changes nothing). `merge --undo ID` puts a merge back; `merge --list` shows
the latest merges with the ids `--undo` takes. Thin: every decision is in deskapp.core.hygiene.duplicates/merge.
"""

from __future__ import annotations

from typing import Any

import typer

from deskapp.cli.common import console, desk, fail, handle_errors, print_json

# deskapp.core.hygiene.matching.DEFAULT_MIN_SCORE, written out so `--help` needn't import the core (a test ties them).
DEFAULT_MIN_SCORE = 60


def _text(value: Any) -> Any:
    from rich.text import Text

    return Text("" if value is None else str(value))


def _side(side: Any) -> dict[str, Any]:
    return {"id": side.id, "name": side.name, "email": side.email, "phone": side.phone, "company": side.company}


@handle_errors
def duplicates(
    ctx: typer.Context,
    min_score: int = typer.Option(
        DEFAULT_MIN_SCORE, "--min-score", min=0, max=100, help="Only pairs scoring at least this (0-100)."
    ),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="At most this many pairs, best first."),
    archived: bool = typer.Option(False, "--archived", help="Include archived customers."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List customers that are probably the same person, best match first, with the reasons.

    A name alone scores at most 44: lower --min-score to see namesakes with nothing else in common.
    """
    from rich.table import Table

    from deskapp.core.hygiene import find_duplicates

    state = desk(ctx)
    with state.session(state.engine()) as session:
        report = find_duplicates(session, min_score=min_score, include_archived=archived)
    pairs = report.pairs[:limit]
    if as_json:
        print_json(
            {
                "customers": report.customers,
                "min_score": min_score,
                "pairs_found": len(report.pairs),
                "compared": report.compared,
                "seconds": round(report.seconds, 3),
                "skipped_blocks": [{"key": k, "customers": n} for k, n in report.skipped_blocks],
                "pairs": [
                    {"a": _side(p.a), "b": _side(p.b), "score": p.score, "reasons": list(p.reasons)} for p in pairs
                ],
            }
        )
        return
    if not pairs:
        console.print(_text(f"No likely duplicates at score {min_score} or more among {report.customers} customers."))
    else:
        table = Table("score", "id", "customer", "id", "customer", "why")
        for p in pairs:
            table.add_row(
                _text(p.score),
                _text(p.a.id),
                _text(p.a.name),
                _text(p.b.id),
                _text(p.b.name),
                _text(", ".join(p.reasons)),
            )
        console.print(table)
        shown = f"{len(pairs)} of {len(report.pairs)}" if len(pairs) < len(report.pairs) else str(len(pairs))
        console.print(
            _text(
                f"{shown} pair{'s' if len(report.pairs) != 1 else ''} at score {min_score} or more among "
                f"{report.customers} customers "
                f"({report.compared} compared in {report.seconds:.1f} s). Merge one with: deskapp merge ID ID"
            )
        )
    if report.skipped_blocks:
        keys = ", ".join(f"{k[2:]} ({n})" for k, n in report.skipped_blocks[:3])
        console.print(_text(f"Not compared, shared by too many customers to tell anyone apart: {keys}"), style="dim")


def _parse_picks(picks: list[str]) -> dict[str, str]:
    out = {}
    for item in picks:
        field, sep, side = item.partition("=")
        if not sep:
            fail(f"--pick {item!r}: write FIELD=survivor or FIELD=other")
        out[field.strip()] = side.strip().lower()
    return out


@handle_errors
def merge(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(None, help="The two customers to merge (see `deskapp duplicates`)."),
    keep: int = typer.Option(None, "--keep", help="The id that survives (default: the older customer)."),
    pick: list[str] = typer.Option(
        None, "--pick", help="Take a field from one side, e.g. --pick email=other (repeatable)."
    ),
    yes: bool = typer.Option(False, "--yes", help="Don't ask for confirmation."),
    undo: int = typer.Option(None, "--undo", metavar="MERGE_ID", help="Undo an earlier merge instead."),
    list_merges: bool = typer.Option(False, "--list", help="List the latest merges (their ids undo takes)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts (without --yes: the plan only)."),
) -> None:
    """Merge two customers into one: history moves, fields are chosen one by one; undo with --undo."""
    state = desk(ctx)
    if undo is not None:
        _undo(state, undo, as_json)
        return
    if list_merges:
        _list(state, as_json)
        return
    if not ids or len(ids) != 2:
        fail("give two customer ids to merge, or --undo MERGE_ID, or --list")
    from deskapp.core.customers import get_customer
    from deskapp.core.hygiene import merge_customers, pair_score, plan_merge

    engine = state.engine()
    with state.session(engine) as session:
        first, second = (get_customer(session, i) for i in ids)
        if keep is not None and keep not in ids:
            fail(f"--keep {keep} is not one of the two customers ({ids[0]}, {ids[1]})")
        older = min((first, second), key=lambda c: (c.created_at, c.id or 0))
        survivor_id = keep if keep is not None else older.id
        other_id = ids[1] if survivor_id == ids[0] else ids[0]
        assert survivor_id is not None
        names = {first.id: first.name, second.id: second.name}
        plan = plan_merge(session, survivor_id, other_id, picks=_parse_picks(pick or []))
        score, reasons = pair_score(session, survivor_id, other_id)
    if as_json and not yes:
        print_json({"merged": False, **_plan_json(plan, score, reasons)})
        return
    if not as_json:
        _print_plan(plan, names, score, reasons)
        if not yes and not typer.confirm(f"Merge customer {other_id} into {survivor_id}?"):
            raise typer.Exit(1)
    chosen = {f.field: f.taken for f in plan.fields if f.taken in ("survivor", "other")}
    with state.session(engine, write=True) as session:
        result = merge_customers(session, survivor_id, other_id, picks=chosen)
    if as_json:
        print_json({"merged": True, "merge_id": result.merge_id, **_plan_json(plan, score, reasons)})
        return
    moved = ", ".join(f"{n} {table.replace('_', ' ')}" for table, n in result.moved.items() if n) or "no history"
    console.print(_text(f"Merged customer {other_id} ({names[other_id]}) into {survivor_id}; moved {moved}."))
    console.print(_text(f"Merge {result.merge_id}. Undo it with: deskapp merge --undo {result.merge_id}"))


def _plan_json(plan: Any, score: int, reasons: tuple[str, ...]) -> dict[str, Any]:
    from deskapp.core.db import json_value as encode

    return {
        "survivor_id": plan.survivor_id,
        "other_id": plan.other_id,
        "score": score,
        "reasons": list(reasons),
        "fields": {
            f.field: {
                "survivor": encode(f.survivor),
                "other": encode(f.other),
                "result": encode(f.result),
                "taken": f.taken,
            }
            for f in plan.fields
        },
        "moves": plan.moves,
    }


def _print_plan(plan: Any, names: dict[Any, str], score: int, reasons: tuple[str, ...]) -> None:
    from rich.table import Table

    console.print(_text(f"Score {score}: {', '.join(reasons) or 'nothing in common'}"))
    table = Table("field")  # names are data, never markup: the headers are Text too
    table.add_column(_text(f"keeps #{plan.survivor_id} {names[plan.survivor_id]}"))
    table.add_column(_text(f"merges #{plan.other_id} {names[plan.other_id]}"))
    table.add_column("result")
    for f in plan.fields:
        if f.taken == "same" and not f.result:
            continue
        mark = {"survivor": "◀", "other": "▶", "both": "◀▶", "same": "="}[f.taken]
        table.add_row(_text(f.field), _text(f.survivor), _text(f.other), _text(f"{mark} {f.result}"))
    console.print(table)
    moves = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in plan.moves.items() if n) or "nothing"
    console.print(_text(f"Moves to #{plan.survivor_id}: {moves}. Change a field with --pick FIELD=survivor|other."))


def _undo(state: Any, merge_id: int, as_json: bool) -> None:
    from deskapp.core.hygiene import undo_merge

    with state.session(state.engine(), write=True) as session:
        result = undo_merge(session, merge_id)
    if as_json:
        print_json(
            {
                "undone": merge_id,
                "survivor_id": result.survivor_id,
                "other_id": result.other_id,
                "moved_back": result.moved_back,
                "notes": list(result.notes),
            }
        )
        return
    back = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in result.moved_back.items() if n) or "no history"
    console.print(
        _text(
            f"Undid merge {merge_id}: customer {result.other_id} is back with {back}; "
            f"customer {result.survivor_id} has its earlier values."
        )
    )
    for note in result.notes:
        console.print(_text(f"note: {note}"), style="dim")


def _list(state: Any, as_json: bool) -> None:
    from rich.table import Table

    from deskapp.core.hygiene import list_merges

    with state.session(state.engine()) as session:
        rows = list_merges(session)
    if as_json:
        print_json(
            [
                {
                    "merge_id": r.id,
                    "at": r.at.isoformat(),
                    "staff": r.staff,
                    "survivor_id": r.survivor_id,
                    "other_id": r.other_id,
                    "other_name": r.other_name,
                    "undone_at": r.undone_at.isoformat() if r.undone_at else None,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        console.print("No merges yet.")
        return
    table = Table("merge", "when (UTC)", "by", "kept", "merged away", "undone")
    for r in rows:
        table.add_row(
            _text(r.id),
            _text(f"{r.at:%Y-%m-%d %H:%M}"),
            _text(r.staff),
            _text(r.survivor_id),
            _text(f"{r.other_id} {r.other_name}"),
            _text(f"{r.undone_at:%Y-%m-%d %H:%M}" if r.undone_at else ""),
        )
    console.print(table)
