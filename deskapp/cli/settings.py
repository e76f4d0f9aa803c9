"""`deskapp settings [set KEY VALUE | reset KEY]`: the business settings, listed, changed and reset.

Thin: the rules (what each key takes, the one-line refusals) and the audited writes are the core's
(`deskapp.core.ops.settings_admin`); a refused value exits 2 through `handle_errors`.
"""

from __future__ import annotations

from typing import Any

import typer

from deskapp.cli.common import console, desk, handle_errors, print_json

app = typer.Typer(
    help="The business settings: phone region, currency, margin, cadences, deadlines, backups.",
    invoke_without_command=True,
)


@app.callback()
@handle_errors
def settings(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """List every setting with its value, its default and what it is for."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table
    from rich.text import Text

    from deskapp.core.ops import list_settings

    state = desk(ctx)
    with state.session(state.engine()) as session:
        views = list_settings(session)
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table()
    table.add_column("setting", no_wrap=True, min_width=max(len(v.key) for v in views))
    table.add_column("value", ratio=2)
    table.add_column("default", ratio=2)
    table.add_column("what it is", ratio=3)
    for v in views:
        value = Text(v.text, style="" if v.is_default else "bold")
        table.add_row(Text(v.key), value, Text(v.default_text, style="dim"), Text(v.description))
    console.print(table)
    console.print(Text("Change one with: deskapp settings set KEY VALUE (reset KEY for the default)", style="dim"))


def _print_change(change: Any, as_json: bool) -> None:
    from rich.text import Text

    if as_json:
        print_json({"key": change.key, "before": change.before, "after": change.after, "changed": change.changed})
    else:
        console.print(Text(change.message()))


@app.command(name="set")
@handle_errors
def set_setting(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting, e.g. phone_region (see `deskapp settings`)."),
    value: str = typer.Argument(..., help="The new value as shown in the list, e.g. SE, 30%, retention=90."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Change one setting (checked first: the error names what the setting takes; recorded in the audit trail)."""
    from deskapp.core.ops import change_setting

    state = desk(ctx)
    with state.session(state.engine(), write=True) as session:
        change = change_setting(session, key, value)
    _print_change(change, as_json)


@app.command(name="reset")
@handle_errors
def reset(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="The setting to put back to its default."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Put one setting back to its built-in default (recorded in the audit trail)."""
    from deskapp.core.ops import reset_setting

    state = desk(ctx)
    with state.session(state.engine(), write=True) as session:
        change = reset_setting(session, key)
    _print_change(change, as_json)
