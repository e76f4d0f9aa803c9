"""Cleaning a customer's fields: every given field checked at once, each written to the columns the
registry (`deskapp.core.records.fields`) says it writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from deskapp.core.customers.contacts import contact_field_cleaners
from deskapp.core.records import (
    EDITABLE_FIELDS,
    FieldError,
    Settings,
    Stage,
    ValidationFailed,
    clean_date,
    clean_email,
    clean_enum,
    clean_int,
    clean_phone,
    clean_special_day,
    clean_text,
    normalise_tags,
    phone_region_for,
)


def clean_special_dates(value: Any) -> str:
    """Special days as the stored JSON list of {"label", "date"}, from that list or its JSON text."""
    if value in (None, "", []):
        return ""
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValidationFailed.one("special_dates", value, 'must be a list of {"label", "date"}')
    cleaned = []
    for item in items:
        if not isinstance(item, Mapping) or "date" not in item:
            raise ValidationFailed.one("special_dates", value, 'each entry needs a "date"')
        day = clean_special_day("special_dates", item["date"])
        cleaned.append({"label": clean_text("special_dates", item.get("label", ""), max_length=100), "date": day})
    return json.dumps(cleaned, ensure_ascii=False)


def customer_cleaners(settings: Settings, country: str | None = None) -> dict[str, Callable[[Any], dict[str, Any]]]:
    """One cleaner per public field, each returning the stored column values it produces. A phone
    without a country code is read in the customer's `country` when known, else the desk's region."""

    def phone(v: Any) -> dict[str, Any]:
        e164, raw, search = clean_phone(v, phone_region_for(country, settings.phone_region))
        return {"phone": e164, "phone_raw": raw, "search_phone": search}

    cleaners: dict[str, Callable[[Any], dict[str, Any]]] = {
        **contact_field_cleaners(),
        "name": lambda v: {"name": clean_text("name", v, required=True, max_length=300)},
        "company": lambda v: {"company": clean_text("company", v, max_length=300)},
        "email": lambda v: {"email": clean_email(v)},
        "phone": phone,
        "tags": lambda v: {"tags": normalise_tags(v)},
        "source": lambda v: {"source": clean_text("source", v, max_length=100).lower()},
        "owner": lambda v: {"owner": clean_text("owner", v, max_length=64)},
        "stage": lambda v: {"stage": clean_enum(Stage, "stage", v, default=Stage.AWARENESS)},
        "cadence_days": lambda v: {"cadence_days": clean_int("cadence_days", v, minimum=1, maximum=3650)},
        "birthday": lambda v: {"birthday": clean_date("birthday", v)},
        "special_dates": lambda v: {"special_dates": clean_special_dates(v)},
        "notes": lambda v: {"notes": clean_text("notes", v)},
        "external_id": lambda v: {"external_id": clean_text("external_id", v, max_length=200) or None},
        "archived": lambda v: {"archived": bool(v)},
    }
    return {name: cleaners[name] for name in (*EDITABLE_FIELDS, "archived")}  # in the registry's order


def clean_customer_fields(
    fields: Mapping[str, Any], settings: Settings, *, partial: bool = False, country: str | None = None
) -> dict[str, Any]:
    """Validate every given field at once, so a form can show all its errors together (`country`: the
    stored customer's, when the fields don't name one)."""
    cleaners = customer_cleaners(settings, fields.get("country") or country)
    errors = [FieldError(name, fields[name], "is not a customer field") for name in sorted(set(fields) - set(cleaners))]
    out: dict[str, Any] = {}
    for name, cleaner in cleaners.items():
        if name not in fields and (partial or name == "archived"):
            continue
        try:
            out.update(cleaner(fields.get(name)))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return out
