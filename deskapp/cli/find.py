"""`deskapp find TEXT`: search customers from a shell."""

from __future__ import annotations

from typing import Any

import typer

from deskapp.cli.common import console, desk, handle_errors, print_json


@handle_errors
def find(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Words to look for in name, company, e-mail, phone or tags."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, max=2000, help="At most this many customers."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for scripts."),
) -> None:
    """Find customers (case- and accent-insensitive: "odon" finds "Ödön")."""
    engine = desk(ctx).engine()
    print_customers(ctx, engine, text, limit=limit, as_json=as_json)


def print_customers(ctx: typer.Context, engine: Any, text: str, *, limit: int, as_json: bool) -> None:
    from rich.table import Table
    from rich.text import Text

    from deskapp.core.customers import search_customers

    with desk(ctx).session(engine) as session:
        page = search_customers(session, text, limit=limit)
    if as_json:
        print_json(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "company": r.company,
                    "email": r.email,
                    "phone": r.phone,
                    "stage": r.stage,
                    "owner": r.owner,
                    "source": r.source,
                    "tags": list(r.tags),
                }
                for r in page
            ]
        )
        return
    if not page.items:
        console.print(Text(f"No customer matches {text!r}."))
        return
    table = Table("id", "name", "company", "e-mail", "phone", "stage", "owner")
    for r in page:
        table.add_row(*(Text(str(v)) for v in (r.id, r.name, r.company, r.email, r.phone, r.stage, r.owner)))
    console.print(table)
    if page.has_more:
        console.print(Text(f"(first {limit} shown; use --limit for more)", style="dim"))
