"""`deskapp customer export|erase ID`: a person's right of access and right to erasure."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from deskapp.cli.common import console, desk, handle_errors

app = typer.Typer(help="One customer's data: export everything held about them, or erase it.", no_args_is_help=True)


@app.command("export")
@handle_errors
def export_person(
    ctx: typer.Context,
    customer_id: int = typer.Argument(..., help="The customer's id (see `deskapp find`)."),
    output: Path = typer.Option(None, "-o", "--output", help="Write to this file instead of standard output."),
) -> None:
    """Everything the desk holds about one person, as JSON (their right of access)."""
    from deskapp.core.history import person_record

    state = desk(ctx)
    with state.session(state.engine()) as session:
        record = person_record(session, customer_id)
    text = json.dumps(record, ensure_ascii=False, indent=2, default=str)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        output.chmod(0o600)
        console.print(f"Wrote everything held about customer {customer_id} to {output}.")
    else:
        typer.echo(text)


@app.command("erase")
@handle_errors
def erase_person(
    ctx: typer.Context,
    customer_id: int = typer.Argument(..., help="The customer's id."),
    yes: bool = typer.Option(False, "--yes", help="Don't ask for confirmation."),
) -> None:
    """Remove a person's personal data from every table and the search index; anonymised purchases stay."""
    from deskapp.core.customers import get_customer
    from deskapp.core.history import erase_person as run_erase

    state = desk(ctx)
    engine = state.engine()
    with state.session(engine) as session:
        name = get_customer(session, customer_id).name
    if not yes and not typer.confirm(
        f"Erase all personal data of customer {customer_id} ({name})? This can't be undone"
    ):
        raise typer.Exit(1)
    with state.session(engine, write=True) as session:
        touched = run_erase(session, customer_id)
    console.print(f"Erased customer {customer_id}: " + ", ".join(f"{k} {v}" for k, v in touched.items() if v) + ".")
    console.print(
        "Older backups still hold their data until they rotate out "
        "(daily backups are kept for the number of days in the daily_backups_kept setting)."
    )


@app.command("refer")
@handle_errors
def refer(
    ctx: typer.Context,
    referrer_id: int = typer.Argument(..., help="The customer who made the referral."),
    referred_id: int = typer.Argument(..., help="The customer they brought."),
    note: str = typer.Option("", "--note", help="How it came about."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Record that one customer referred another: the referrer is thanked (a follow-up) and counts as an advocate."""
    from rich.text import Text

    from deskapp.cli.common import print_json
    from deskapp.core.activity import record_referral
    from deskapp.core.customers import get_customer

    state = desk(ctx)
    with state.session(state.engine(), write=True) as session:
        referral = record_referral(session, referrer_id, referred_id, note=note)
        names = get_customer(session, referrer_id).name, get_customer(session, referred_id).name
        result = {"id": referral.id, "referrer_id": referrer_id, "referred_id": referred_id, "at": referral.at}
    if as_json:
        print_json(result)
        return
    console.print(
        Text(f"Recorded: {names[0]} (#{referrer_id}) referred {names[1]} (#{referred_id}); a thank-you is due.")
    )
