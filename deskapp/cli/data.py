"""`deskapp backup` and `deskapp restore`: copies of the whole desk."""

from __future__ import annotations

from pathlib import Path

import typer

from deskapp.cli.common import console, desk, handle_errors


@handle_errors
def backup(
    ctx: typer.Context,
    path: str = typer.Argument(None, help="File, or folder ending in /, for the backup (default: the backups folder)."),
) -> None:
    """Make a consistent copy of the desk while others keep working (SQLite; says how on PostgreSQL)."""
    from deskapp.core import ops

    target = Path(path) if path else None
    if path and path.endswith(("/", "\\")):
        assert target is not None
        target.mkdir(parents=True, exist_ok=True)
    info = ops.backup(desk(ctx).engine(), target)
    console.print(f"Backed up to {info.path} ({info.bytes / 1_048_576:.1f} MiB, schema {info.revision}).")


@handle_errors
def restore(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The backup file to restore."),
    yes: bool = typer.Option(False, "--yes", help="Don't ask for confirmation."),
) -> None:
    """Replace the desk with a backup, after checking it; the replaced desk is kept beside it."""
    from deskapp.core.ops import restore as run_restore
    from deskapp.core.ops import sqlite_path

    engine = desk(ctx).engine(migrate=False)
    live = sqlite_path(engine)
    if not yes and not typer.confirm(f"Replace {live} with {path}?"):
        raise typer.Exit(1)
    kept = run_restore(engine, path)
    console.print(f"Restored {path} into {live}. The replaced desk was kept as {kept}.")
