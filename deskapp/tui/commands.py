"""The command palette (Ctrl+P): jump to any customer by name, or run any action of the desk.

Customer hits come from the core's search (a thread worker, like every database call) and are displayed as
plain `Content`, never markup: the fuzzy matcher's own highlighter parses its input as markup, so it is not
used on customer names.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import Hit, Hits, Provider
from textual.content import Content
from textual.markup import escape

from deskapp.tui.text import one_line, words

if TYPE_CHECKING:
    from deskapp.core.records import CustomerRow

MAX_HITS = 12


class CustomerCommands(Provider):
    """Type part of a name (or company, e-mail, phone): each match opens that customer."""

    async def search(self, query: str) -> Hits:
        text = query.strip()
        if len(text) < 2:
            return
        app: Any = self.app
        desk = app.desk

        def find() -> tuple[CustomerRow, ...]:
            from deskapp.core.customers import search_customers

            with desk.read() as session:
                return search_customers(session, text, limit=MAX_HITS).items

        worker = app.run_worker(find, thread=True, group="palette", exclusive=True, exit_on_error=False)
        try:
            rows = await worker.wait()
        except Exception:
            return
        for rank, row in enumerate(rows or ()):
            display = Content.assemble(
                Content("Customer: ").stylize("dim"),
                Content(one_line(row.name)).stylize("bold"),
                Content(f"  {one_line(row.company)}" if row.company else ""),
            )
            detail = escape(f"{words(row.stage)} · {one_line(row.owner) or 'no owner'} · {one_line(row.email)}")
            yield Hit(
                1.0 - rank / 100, display, partial(app.open_customer, row.id), text=one_line(row.name), help=detail
            )
