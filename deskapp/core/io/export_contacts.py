"""What exports write for a customer's further e-mails and phones, so each format imports back whole.

CSV has one column per value, numbered the way Google numbers them ("E-mail 2 - Value" beside
"E-mail 2 - Label"; the primary is the `email` column), as many as the desk's customer with the most
needs. JSON writes lists of {"value", "label"}. vCard writes one EMAIL/TEL per value, each in an item
group with Apple's X-ABLabel for its label, and the address as ADR.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deskapp.core.customers import EMAIL, PHONE, Contacts, contacts_by_customer
from deskapp.core.io.importing.vcard import escape

MAX_NUMBERED = 20  # the importer reads "E-mail 2" .. "E-mail 20" (kinds.py)


def attach_contacts(session: Session, page: list[dict[str, Any]]) -> None:
    """Add each customer record's further e-mails and phones under "_contacts"."""
    found = contacts_by_customer(session, [r["id"] for r in page])
    for record in page:
        record["_contacts"] = found.get(record["id"], Contacts())


def _most(session: Session, table: Any) -> int:
    per_customer = select(func.count().label("n")).select_from(table).group_by(table.c.customer_id).subquery()
    return int(session.execute(select(func.max(per_customer.c.n))).scalar() or 0)


def numbered_columns(session: Session) -> tuple[list[str], int, int]:
    """The CSV columns for the further e-mails and phones, and how many of each they hold."""
    emails = min(_most(session, EMAIL), MAX_NUMBERED - 1)
    phones = min(_most(session, PHONE), MAX_NUMBERED - 1)
    columns = [c for i in range(2, emails + 2) for c in (f"E-mail {i} - Label", f"E-mail {i} - Value")]
    columns += [c for i in range(2, phones + 2) for c in (f"Phone {i} - Label", f"Phone {i} - Value")]
    return columns, emails, phones


def numbered_cells(contacts: Contacts, emails: int, phones: int) -> list[str]:
    cells: list[str] = []
    for values, count in ((contacts.emails, emails), (contacts.phones, phones)):
        for i in range(count):
            item = values[i] if i < len(values) else None
            cells += [item.label, item.raw or item.value] if item else ["", ""]
    return cells


def json_contacts(contacts: Contacts) -> dict[str, Any]:
    return {
        "emails": [{"value": e.value, "label": e.label} for e in contacts.emails],
        "phones": [{"value": p.value, "label": p.label, "raw": p.raw} for p in contacts.phones],
    }


def vcard_contacts(record: dict[str, Any], contacts: Contacts) -> list[tuple[str, str]]:
    """EMAIL, TEL (further ones in labelled item groups), ADR and LANG properties of one customer."""
    props: list[tuple[str, str]] = []
    if record["email"]:
        props.append(("EMAIL", escape(record["email"])))
    if record["phone"]:
        props.append(("TEL;VALUE=uri;TYPE=voice", f"tel:{record['phone']}"))
    group = 0
    for item, name in [*((e, "EMAIL") for e in contacts.emails), *((p, "TEL") for p in contacts.phones)]:
        group += 1
        value = escape(item.value) if name == "EMAIL" else f"tel:{item.value}"
        props.append((f"item{group}.{name}" + (";VALUE=uri" if name == "TEL" else ""), value))
        if item.label:
            props.append((f"item{group}.X-ABLabel", escape(item.label)))
    address = [record[f] or "" for f in ("street", "city", "region", "postcode", "country")]
    if any(address):
        props.append(("ADR", ";".join(["", "", *(escape(part) for part in address)])))
    if record["language"]:
        props.append(("LANG", escape(record["language"])))
    return props
