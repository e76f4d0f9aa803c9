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
