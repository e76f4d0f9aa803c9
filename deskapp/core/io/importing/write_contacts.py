"""A customers import's further e-mails and phones, written beside the customer rows.

An import only adds: a further address or number the customer doesn't have yet becomes a new child row
(noted in the batch, so an undo removes it), one already held is left as it is, and none is deleted: a
file that lists fewer of them is a partial file, and a partial file never wipes data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table

from deskapp.core.io.importing.context import WriteContext
from deskapp.core.records import CustomerEmail, CustomerPhone, table_of

EMAIL: Table = table_of(CustomerEmail)
PHONE: Table = table_of(CustomerPhone)


def held_contacts(ctx: WriteContext, ids: Sequence[int]) -> dict[int, set[str]]:
    """The further e-mails and phones (E.164) each customer already has."""
    held: dict[int, set[str]] = {}
    for cid, value in ctx.store.fetch(
        "SELECT customer_id, address FROM customer_email WHERE customer_id IN {keys}", ids
    ):
        held.setdefault(cid, set()).add(value)
    for cid, value in ctx.store.fetch("SELECT customer_id, phone FROM customer_phone WHERE customer_id IN {keys}", ids):
        held.setdefault(cid, set()).add(value)
    return held


def merged_search(old: str, new: str) -> str:
    return " ".join(dict.fromkeys([*old.split(), *new.split()]))


def add_contacts(ctx: WriteContext, rows: Sequence[tuple[int, dict[str, Any]]], held: dict[int, set[str]]) -> None:
    """Insert the further e-mails and phones of each (customer id, row values) the customer lacks."""
    emails: list[tuple[int, str, str, int]] = []
    phones: list[tuple[int, str, str, str, int]] = []
    for cid, values in rows:
        have = held.get(cid, set())
        start = len(have)
        for address, label in values.get("_extra_emails", ()):
            if address not in have and address != values.get("email"):
                emails.append((cid, address, label, start + len(emails)))
                have.add(address)
        for e164, raw, label in values.get("_extra_phones", ()):
            if e164 not in have and e164 != values.get("phone"):
                phones.append((cid, e164, raw, label, start + len(phones)))
                have.add(e164)
    store = ctx.store
    ctx.note_inserted(
        "customer_email", store.insert_ids(EMAIL, ("customer_id", "address", "label", "position"), emails)
    )
    ctx.note_inserted(
        "customer_phone", store.insert_ids(PHONE, ("customer_id", "phone", "phone_raw", "label", "position"), phones)
    )
