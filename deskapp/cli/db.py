"""`deskapp db ...`: the database itself (schema upgrades; later copy, check, backup)."""

from __future__ import annotations

import typer

from deskapp.cli.common import console, desk, handle_errors

app = typer.Typer(help="Manage the desk database itself.", no_args_is_help=True)


@app.command()
@handle_errors
def upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (also done automatically whenever the desk opens)."""
    from deskapp.core.db import current_revision, describe_url, head_revision
    from deskapp.core.db import upgrade as run_upgrade

    engine = desk(ctx).engine(migrate=False)
    before = current_revision(engine)
    ran = run_upgrade(engine)
    where = describe_url(engine.url)
    if ran:
        console.print(f"{where}: schema upgraded from {before or 'empty'} to {head_revision()}")
    else:
        console.print(f"{where}: schema already at {head_revision()}")


@app.command()
@handle_errors
def copy(
    ctx: typer.Context,
    to: str = typer.Option(
        ..., "--to", help="Target database file or URL (an empty desk), e.g. postgresql://user@host/db"
    ),
) -> None:
    """Copy the whole desk (every record, id and history) into another, empty database, then check the counts."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    from deskapp.core.db import describe_url, open_engine
    from deskapp.core.ops import copy_desk

    source = desk(ctx).engine()
    target = open_engine(to, migrate=False)
    with Progress(TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total or 1)
            bar.update(tasks[table], completed=done if total else 1)

        result = copy_desk(source, target, progress=report)
    rows = sum(result.counts.values())
    console.print(
        f"Copied {rows} rows in {len(result.counts)} tables from {describe_url(source.url)} "
        f"to {describe_url(target.url)}; counts match."
    )
    for table, n in result.counts.items():
        console.print(f"  {table:<14} {n:>9}")


@app.command()
@handle_errors
def check(
    ctx: typer.Context,
    repair: bool = typer.Option(True, "--repair/--no-repair", help="Rebuild the search index if it is out of step."),
) -> None:
    """Check the desk: integrity, foreign keys, and the search index against its table."""
    from deskapp.core.ops import check_desk

    report = check_desk(desk(ctx).engine(), repair=repair)
    console.print(f"integrity:     {report.integrity}")
    console.print(
        f"foreign keys:  {'ok' if not report.foreign_key_problems else '; '.join(report.foreign_key_problems[:10])}"
    )
    console.print(f"search index:  {'ok' if report.search_index_ok else 'out of step (run without --no-repair)'}")
    for line in report.repaired:
        console.print(f"repaired:      {line}")
    if not report.ok:
        raise typer.Exit(1)
