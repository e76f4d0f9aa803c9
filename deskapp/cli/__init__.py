"""The `deskapp` command: a bare `deskapp` opens the desk; subcommands serve scripts and cron.

Thin on purpose: each command parses options, calls the core and prints. Heavy imports (the core,
SQLModel, Textual) happen inside commands so `deskapp --help` stays quick.
"""

from __future__ import annotations

import typer

from deskapp.cli import customer as customer_commands
from deskapp.cli import data as data_commands
from deskapp.cli import db as db_commands
from deskapp.cli import due as due_command
from deskapp.cli import duplicates as duplicate_commands
from deskapp.cli import exporting as export_commands
from deskapp.cli import find as find_command
from deskapp.cli import import_batches as _import_batches  # noqa: F401  (registers import history/undo)
from deskapp.cli import importing as import_commands
from deskapp.cli import report as report_commands
from deskapp.cli import sweep as sweep_command
from deskapp.cli.common import DeskContext, desk, handle_errors

app = typer.Typer(
    name="deskapp",
    help="A customer desk in the terminal: customers, calls, complaints, follow-ups and retention.",
    no_args_is_help=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="DESKAPP_DB",
        help="Database file or SQLAlchemy URL (default: desk.db in your data dir).",
    ),
    staff: str = typer.Option(
        None, "--as", envvar="DESKAPP_USER", help="Who you are at the desk (default: your OS login)."
    ),
) -> None:
    """Open the desk (the TUI) when no command is given."""
    ctx.obj = DeskContext(db=db, staff=staff)
    if ctx.invoked_subcommand is None:
        open_tui(ctx)


@handle_errors
def open_tui(ctx: typer.Context) -> None:
    """Paint first: the TUI opens (and migrates) the database in a worker after its first frame, and makes
    the day's backup beside it; a bad database still ends with exit code 2 and a one-line error."""
    from deskapp.tui.app import run_desk

    state = desk(ctx)
    run_desk(None, url=state.db, staff=state.staff)


@app.command()
@handle_errors
def demo(
    ctx: typer.Context,
    fresh: bool = typer.Option(False, "--fresh", help="Rebuild the demo database from sample_data/ first."),
    print_only: bool = typer.Option(False, "--print", help="Print the demo customers instead of opening the desk."),
) -> None:
    """Open the desk on a demo database built from the sample data (created on first use)."""
    from deskapp.core.io import demo_database_path, ensure_demo_database

    state = desk(ctx)
    path = demo_database_path()
    engine = ensure_demo_database(path, fresh=fresh)
    state.db = str(path)
    if print_only:
        find_command.print_customers(ctx, engine, "", limit=25, as_json=False)
        return
    from deskapp.core.db import resolve_url
    from deskapp.tui.app import run_desk

    run_desk(engine=engine, url=resolve_url(str(path)), staff=state.staff)


app.add_typer(db_commands.app, name="db")
app.add_typer(customer_commands.app, name="customer")
app.command(name="backup")(data_commands.backup)
app.command(name="restore")(data_commands.restore)
app.command(name="find")(find_command.find)
app.add_typer(report_commands.app, name="report")
app.command(name="due")(due_command.due)
app.command(name="sweep")(sweep_command.sweep)
app.command(name="import")(import_commands.import_command)
app.command(name="export")(export_commands.export_command)
app.command(name="duplicates")(duplicate_commands.duplicates)
app.command(name="merge")(duplicate_commands.merge)


def main() -> None:
    app()
