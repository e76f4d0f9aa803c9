"""Rules about a whole row, after each cell was cleaned: what is required, what one field means for another.

Kept beside the field cleaners rather than in the writers so that every such error is found in the
validate step, with its line, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.core.io.importing.cleaners import currency_in
from deskapp.core.io.importing.contactrows import finish_contacts
from deskapp.core.records import ComplaintStatus, Settings


@dataclass(frozen=True)
class RowError:
    """One problem with one row, by the file's own column (what the person will look for) and line."""

    line: int
    column: str
    field: str
    value: Any
    reason: str

    def as_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, str | int | float | bool | type(None)) else str(self.value)
        return {"line": self.line, "column": self.column, "field": self.field, "value": value, "reason": self.reason}


REQUIRED = {
    "interactions": ("channel", "occurred_at"),
    "purchases": ("amount", "ordered_at"),
    "complaints": ("subject", "opened_at"),
    "followups": ("due_date",),
}
CUSTOMER_REFS = ("customer_external_id", "customer_email", "customer_id")


def _error(line: int, columns: dict[str, str], field: str, value: Any, reason: str) -> RowError:
    return RowError(line, columns.get(field, field), field, value, reason)


def finish_row(
    kind: str,
    out: dict[str, Any],
    columns: dict[str, str],
    line: int,
    settings: Settings,
    warnings: list[str] | None = None,
) -> list[RowError]:
    if kind == "customers":
        return _customers(out, columns, line, settings, [] if warnings is None else warnings)
    errors: list[RowError] = []
    for name in REQUIRED[kind]:
        if out.get(name) is None:
            errors.append(_error(line, columns, name, "", "is required"))
    if not (out.get("customer_external_id") or out.get("customer_email") or out.get("customer_id")):
        reason = "no customer: fill customer_external_id, customer_email or customer_id"
        errors.append(_error(line, columns, "customer", "", reason))
    if kind == "purchases":
        hint = out.pop("_currency_hint", None)
        if "currency" not in out:
            out["currency"] = currency_in(hint) or settings.currency
    elif kind == "interactions" and not out.get("summary") and not out.get("details"):
        errors.append(_error(line, columns, "summary", "", "say in a few words what happened (summary or details)"))
    elif kind == "complaints" and out.get("status") == ComplaintStatus.RESOLVED and not out.get("resolution"):
        errors.append(_error(line, columns, "resolution", "", "a resolved complaint needs its resolution"))
    return errors


def _customers(
    out: dict[str, Any], columns: dict[str, str], line: int, settings: Settings, warnings: list[str]
) -> list[RowError]:
    errors = []
    parts = out.pop("name_parts", "")
    if not out.get("name"):
        if parts:
            out["name"] = parts[:300]
        elif out.get("company"):
            out["name"] = out["company"]  # a business contact with no person's name
        else:
            errors.append(_error(line, columns, "name", "", "is required (no name, first/last name or company)"))
    for column, field, value, reason in finish_contacts(out, columns, line, settings, warnings):
        errors.append(_error(line, {field: column}, field, value, reason))
    return errors
