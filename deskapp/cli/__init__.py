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
from deskapp.cli import importing as import_commands
from deskapp.cli import report as report_commands
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
    from deskapp.core.db import resolve_url

    state = desk(ctx)
    engine = state.engine()
    _daily_backup(state, engine)
    from deskapp.tui.app import run_desk

    run_desk(engine=engine, url=resolve_url(state.db), staff=state.staff)


def _daily_backup(state: DeskContext, engine: object) -> None:
    """The rotating daily backup, made when the desk opens (a failure warns; it never stops the desk)."""
    from deskapp.cli.common import err_console
    from deskapp.core.backup import daily_backup
    from deskapp.core.settings import load_settings

    try:
        with state.session(engine) as session:
            keep = load_settings(session).daily_backups_kept
        daily_backup(engine, keep=keep)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001 - a backup problem must not keep anyone from their desk
        err_console.print(f"warning: today's backup could not be made: {exc}")


@app.command()
@handle_errors
def demo(
    ctx: typer.Context,
    fresh: bool = typer.Option(False, "--fresh", help="Rebuild the demo database from sample_data/ first."),
    print_only: bool = typer.Option(False, "--print", help="Print the demo customers instead of opening the desk."),
) -> None:
    """Open the desk on a demo database built from the sample data (created on first use)."""
    from deskapp.core.sample import demo_database_path, ensure_demo_database

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
app.command(name="import")(import_commands.import_command)
app.command(name="export")(export_commands.export_command)
app.command(name="duplicates")(duplicate_commands.duplicates)
app.command(name="merge")(duplicate_commands.merge)


def main() -> None:
    app()
