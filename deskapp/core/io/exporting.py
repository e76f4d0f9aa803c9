"""Exports: every record kind as CSV, JSON or JSON Lines; customers as vCard 4.0; follow-ups as iCalendar.

Columns are the public field names, the same the importer reads, so an export imports back to the same
records (children carry their customer's external_id and e-mail as well as its id, so they find it in
another desk too). Rows are streamed from the database a page at a time, whatever the desk's size.

CSV is written for spreadsheets: a text cell beginning with = + - @ tab or CR gets a leading ' so Excel
and LibreOffice show it instead of running it as a formula (OWASP "CSV injection"); the importer takes
that ' off again. `excel=True` adds the BOM Excel needs to read UTF-8.
"""

from __future__ import annotations

import csv
import enum
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from deskapp.core.customers import CONTACT_FIELDS
from deskapp.core.io.export_contacts import (
    attach_contacts,
    json_contacts,
    numbered_cells,
    numbered_columns,
    vcard_contacts,
)
from deskapp.core.io.importing.vcard import escape, fold_line
from deskapp.core.records import (
    PENDING_FOLLOW_UP_STATUSES,
    Complaint,
    Customer,
    FollowUp,
    Interaction,
    Purchase,
    clock,
    table_of,
    tag_list,
)

CUSTOMER_FIELDS = (
    "id",
    "external_id",
    "name",
    "company",
    "email",
    "phone",
    "phone_raw",
    "tags",
    "source",
    "owner",
    "stage",
    "cadence_days",
    "birthday",
    "special_dates",
    "notes",
    "created_at",
    "updated_at",
    "archived",
    "version",
    *CONTACT_FIELDS,
)
CUSTOMER_REF_FIELDS = ("customer_id", "customer_external_id", "customer_email", "customer_name")
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": CUSTOMER_FIELDS,
    "interactions": ("id", "external_id", *CUSTOMER_REF_FIELDS, "channel", "direction", "occurred_at", "summary")
    + ("details", "staff", "score", "created_at"),
    "purchases": ("id", "external_id", *CUSTOMER_REF_FIELDS, "ordered_at", "amount", "cost", "currency")
    + ("description", "created_at"),
    "complaints": ("id", "external_id", *CUSTOMER_REF_FIELDS, "opened_at", "subject", "details", "category")
    + ("priority", "status", "first_response_due", "first_response_at", "resolved_at", "resolution", "owner")
    + ("updated_at",),
    "followups": ("id", "external_id", *CUSTOMER_REF_FIELDS, "due_date", "due_time", "kind", "note", "status")
    + ("completed_at", "assignee", "complaint_id", "complaint_external_id", "purchase_id", "purchase_external_id")
    + ("automatic", "created_at", "version"),
}
TABLES: dict[str, Any] = {
    "customers": table_of(Customer),
    "interactions": table_of(Interaction),
    "purchases": table_of(Purchase),
    "complaints": table_of(Complaint),
    "followups": table_of(FollowUp),
}
FORMATS = ("csv", "json", "jsonl", "vcf", "ics")
KIND_FORMATS = dict.fromkeys(FIELDS, ("csv", "json", "jsonl")) | {
    "customers": ("csv", "json", "jsonl", "vcf"),
    "followups": ("csv", "json", "jsonl", "ics"),
}
PAGE = 1000
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


class ExportError(ValueError):
    pass


def _records(session: Session, kind: str) -> Iterator[dict[str, Any]]:
    """Each record's public fields, oldest id first, read a page at a time."""
    table: Table = TABLES[kind]
    customer: Table = table_of(Customer)
    columns: list[Any] = list(table.c)
    joins: Any = table
    if kind != "customers":
        columns += [
            customer.c.external_id.label("customer_external_id"),
            customer.c.email.label("customer_email"),
            customer.c.name.label("customer_name"),
        ]
        joins = joins.join(customer, customer.c.id == table.c.customer_id)
    if kind == "followups":
        complaint, purchase = table_of(Complaint).alias("c"), table_of(Purchase).alias("p")
        columns += [
            complaint.c.external_id.label("complaint_external_id"),
            purchase.c.external_id.label("purchase_external_id"),
        ]
        joins = joins.outerjoin(complaint, complaint.c.id == table.c.complaint_id)
        joins = joins.outerjoin(purchase, purchase.c.id == table.c.purchase_id)
    last = 0
    while True:
        page = session.execute(
            select(*columns).select_from(joins).where(table.c.id > last).order_by(table.c.id).limit(PAGE)
        ).all()
        records = [dict(row._mapping) for row in page]
        if kind == "customers":
            attach_contacts(session, records)
        yield from records
        if len(page) < PAGE:
            return
        last = page[-1].id


def _plain(field: str, value: Any) -> Any:
    """A value as JSON has it: lists for tags and special dates, strings for money, dates and enums."""
    if field == "tags":
        return tag_list(value or "")
    if field == "special_dates":
        return json.loads(value) if value else []
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, time):
        return value.isoformat("minutes") if not value.second and not value.microsecond else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _cell(field: str, value: Any) -> str:
    """A value as a CSV cell: text neutralised against formulas, lists joined, nothing as ""."""
    plain = _plain(field, value)
    if plain is None:
        return ""
    if isinstance(plain, bool):
        return "true" if plain else "false"
    if field == "tags":
        text = ",".join(plain)
    elif field == "special_dates":
        text = json.dumps(plain, ensure_ascii=False) if plain else ""
    else:
        text = str(plain)
    # Every cell that came from text, whatever its column (tags too: "=1+2" is a tag someone can type).
    if isinstance(value, str) and _FORMULA.match(text):
        return "'" + text
    return text


def export_records(
    session: Session, kind: str, out: IO[str], fmt: str = "csv", *, excel: bool = False, delimiter: str = ","
) -> int:
    """Write every `kind` record to `out` in `fmt`; returns how many were written."""
    if kind not in FIELDS:
        raise ExportError(f"unknown kind {kind!r}; one of: {', '.join(FIELDS)}")
    if fmt not in KIND_FORMATS[kind]:
        raise ExportError(f"{kind} export as {fmt!r} is not offered; choose one of: {', '.join(KIND_FORMATS[kind])}")
    if fmt == "vcf":
        return _write_vcards(session, out)
    if fmt == "ics":
        return _write_calendar(session, out)
    fields = FIELDS[kind]
    count = 0
    if fmt == "csv":
        if excel:
            out.write("\ufeff")
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        extra, emails, phones = numbered_columns(session) if kind == "customers" else ([], 0, 0)
        writer.writerow([*fields, *extra])
        for record in _records(session, kind):
            cells = numbered_cells(record["_contacts"], emails, phones) if extra else []
            writer.writerow([_cell(f, record.get(f)) for f in fields] + [_cell("", c) for c in cells])
            count += 1
        return count
    if fmt == "json":
        out.write("[")
    for record in _records(session, kind):
        values = {f: _plain(f, record.get(f)) for f in fields}
        if kind == "customers":
            values.update(json_contacts(record["_contacts"]))
        text = json.dumps(values, ensure_ascii=False)
        if fmt == "json":
            out.write(("," if count else "") + "\n" + text)
        else:
            out.write(text + "\n")
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _write_vcards(session: Session, out: IO[str]) -> int:
    count = 0
    for c in _records(session, "customers"):
        props: list[tuple[str, str]] = [("FN", escape(c["name"]))]
        if c["company"]:
            props.append(("ORG", escape(c["company"])))
        props += vcard_contacts(c, c["_contacts"])
        if c["birthday"]:
            props.append(("BDAY", c["birthday"].strftime("%Y%m%d")))
        if c["notes"]:
            props.append(("NOTE", escape(c["notes"])))
        if c["tags"]:
            props.append(("CATEGORIES", ",".join(escape(t) for t in tag_list(c["tags"]))))
        if c["external_id"]:
            props.append(("UID", escape(c["external_id"])))
        props.append(("REV", _stamp(c["updated_at"])))
        extra = {
            "ID": c["id"],
            "STAGE": _plain("stage", c["stage"]),
            "SOURCE": c["source"],
            "OWNER": c["owner"],
            "CADENCE-DAYS": c["cadence_days"],
            "SPECIAL-DATES": c["special_dates"],
            "PHONE-RAW": c["phone_raw"],
            "CREATED-AT": _plain("created_at", c["created_at"]),
            "ARCHIVED": "true" if c["archived"] else "",
            "MARKETING-CONSENT": _plain("marketing_consent", c["marketing_consent"]),
            "CONSENT-AT": _plain("consent_at", c["consent_at"]),
            "CONSENT-SOURCE": c["consent_source"],
        }
        props += [(f"X-DESKAPP-{k}", escape(str(v))) for k, v in extra.items() if v not in (None, "")]
        lines = ["BEGIN:VCARD", "VERSION:4.0", *(f"{name}:{value}" for name, value in props), "END:VCARD"]
        out.write("".join(fold_line(line) for line in lines))
        count += 1
    return count


def _write_calendar(session: Session, out: IO[str]) -> int:
    """Pending follow-ups as events: all-day on their due day, or half an hour at their local due time."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//deskapp//follow-ups//EN", "CALSCALE:GREGORIAN"]
    out.write("".join(fold_line(line) for line in [*head, "X-WR-CALNAME:deskapp follow-ups"]))
    stamp, count = _stamp(clock.now()), 0
    pending = {s.value for s in PENDING_FOLLOW_UP_STATUSES}
    for f in _records(session, "followups"):
        if _plain("status", f["status"]) not in pending:
            continue
        kind = _plain("kind", f["kind"]).replace("_", " ")
        lines = ["BEGIN:VEVENT", f"UID:follow-up-{f['id']}@deskapp", f"DTSTAMP:{stamp}"]
        if f["due_time"] is None:
            lines.append(f"DTSTART;VALUE=DATE:{f['due_date'].strftime('%Y%m%d')}")
        else:
            moment = datetime.combine(f["due_date"], f["due_time"])
            lines += [f"DTSTART:{moment.strftime('%Y%m%dT%H%M%S')}", "DURATION:PT30M"]
        details = "\n".join(x for x in (f["note"], f"Customer: {f['customer_name']}", f["customer_email"] or "") if x)
        title = f"{kind.capitalize()}: {f['customer_name']}"
        lines += [
            f"SUMMARY:{escape(title)}",
            f"DESCRIPTION:{escape(details)}",
            f"CATEGORIES:{escape(kind)}",
            "STATUS:CONFIRMED",
            "END:VEVENT",
        ]
        out.write("".join(fold_line(line) for line in lines))
        count += 1
    out.write(fold_line("END:VCALENDAR"))
    return count
