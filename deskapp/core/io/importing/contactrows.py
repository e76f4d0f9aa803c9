"""A contact's e-mails, phones, address and consent as exports spread them over columns.

Google numbers its columns ("E-mail 2 - Value" beside "E-mail 2 - Label", several values in one cell
joined by " ::: "), Outlook names them ("Business Phone", "E-mail 2 Address"), Shopify prefixes them
("Default Address Country Code"). Every value is kept: the first e-mail and phone are the primary ones
(the customer row's), the rest become labelled extras. Phones are read in the customer's own country
when the row names one, else in the desk's region; a possible number the metadata calls invalid is kept
with a warning, because the metadata lags what operators really hand out.
"""

from __future__ import annotations

import json
import re
from typing import Any

from deskapp.core.io.importing.cleaners import value_key
from deskapp.core.io.importing.fastpaths import clean_email_fast, clean_phone_fast
from deskapp.core.records import Settings, ValidationFailed, phone_doubt

_NUMBERED_VALUE = re.compile(r"(?i)^(.*\d+)\s*-\s*value$")
_GENERIC = frozenset(
    {"email", "emailaddress", "mail", "eaddress", "phone", "phonenumber", "telephone", "tel", "mobile", "epost"}
)


def _label_of(column: str, values: dict[str, Any]) -> list[str]:
    """The labels a column's values carry: its "... - Label" sibling (Google), else the column's own name."""
    numbered = _NUMBERED_VALUE.match(column.strip())
    if numbered:
        sibling = next((k for k in values if value_key(k) == value_key(numbered[1] + "label")), None)
        cell = str(values.get(sibling) or "") if sibling else ""
        return [part.strip().lstrip("*").strip() for part in cell.split(":::")] if cell else []
    return [] if value_key(column) in _GENERIC else [column.strip()]


def contact_values(pairs: list[tuple[str, Any]], values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(value, label, column) for every e-mail or phone in the row's cells, " ::: " lists split; a cell
    may also be {"value": ..., "label": ...} (vCard, JSON)."""
    out: list[tuple[str, str, str]] = []
    for column, cell in pairs:
        if isinstance(cell, dict):
            text = str(cell.get("raw") or cell["value"]).strip()  # a phone as typed reads back to the same E.164
            out.append((text, str(cell.get("label") or "")[:64], column))
            continue
        labels = _label_of(column, values)
        for i, part in enumerate(p.strip() for p in cell.split(":::")):
            if part:
                label = labels[i] if i < len(labels) else (labels[0] if len(labels) == 1 and i == 0 else "")
                out.append((part, label[:64], column))
    return out


def search_contacts(emails: list[tuple[str, str]], phone_searches: list[str]) -> str:
    """What the search index holds for a customer's further e-mails and phones."""
    return " ".join(dict.fromkeys([*(address for address, _ in emails), *phone_searches]))


def finish_contacts(
    out: dict[str, Any], columns: dict[str, str], line: int, settings: Settings, warnings: list[str]
) -> list[tuple[str, str, Any, str]]:
    """Primary and further e-mails and phones, the address and a yearless birthday, in `out`'s stored form;
    returns errors as (column, field, value, reason)."""
    errors: list[tuple[str, str, Any, str]] = []
    for field in ("country", "language"):  # a country or language the desk can't name: left out, and said
        problem = out.pop(f"_unread_{field}", None)
        if problem is None:
            continue
        column = columns.get(field, field)
        warnings.append(f"line {line}: {column} {problem.value!r} {problem.message}; left empty")
    street2 = out.pop("street2", "")
    if street2:
        out["street"] = ", ".join(p for p in (out.get("street", ""), street2) if p)[:300]
    region = out.get("country") or settings.phone_region
    emails: list[tuple[str, str]] = []
    for text, label, column in out.pop("_emails", []):
        try:
            address = clean_email_fast(text)
        except ValidationFailed as exc:
            errors.append((column, "email", text, exc.errors[0].message))
            continue
        if address not in (a for a, _ in emails):
            emails.append((address, label))
    phones: list[tuple[str, str, str, str]] = []
    for text, label, column in out.pop("_phones", []):
        try:
            e164, raw, search = clean_phone_fast(text, region)
        except ValidationFailed as exc:
            errors.append((column, "phone", text, exc.errors[0].message))
            continue
        doubt = phone_doubt(e164)
        if doubt:
            warnings.append(f"line {line}: {column} {text!r} ({e164}) {doubt}")
        if e164 not in (p[0] for p in phones):
            phones.append((e164, raw, label, search))
    if emails:
        out["email"] = emails[0][0]
    if phones:
        out["phone"], out["phone_raw"], _, out["search_phone"] = phones[0]
    if len(emails) > 1 or len(phones) > 1:
        out["_extra_emails"] = emails[1:]
        out["_extra_phones"] = [(e164, raw, label) for e164, raw, label, _ in phones[1:]]
        out["search_contacts"] = search_contacts(emails[1:], [p[3] for p in phones[1:]])
    yearless = out.pop("_yearless_birthday", None)
    if yearless:
        days = json.loads(out["special_dates"]) if out.get("special_dates") else []
        month_day = "--" + re.sub(r"\D", "", yearless)[-4:-2] + "-" + re.sub(r"\D", "", yearless)[-2:]
        if not any(d.get("date") == month_day for d in days):
            days.append({"label": "birthday", "date": month_day})
        out["special_dates"] = json.dumps(days, ensure_ascii=False)
    typed = out.pop("_typed_phone", None)
    if typed and "phone" not in out:
        try:
            out["phone"], out["phone_raw"], out["search_phone"] = clean_phone_fast(typed, region, "phone_raw")
        except ValidationFailed as exc:
            errors.append((columns.get("phone_raw", "phone_raw"), "phone_raw", typed, exc.errors[0].message))
    elif typed and out.get("phone"):
        try:
            same = clean_phone_fast(typed, region)[0] == out["phone"]
        except ValidationFailed:
            same = False
        if same:  # our own export: what was typed, beside the E.164 form of the same number
            out["phone_raw"] = typed
    return errors
