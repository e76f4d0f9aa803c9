"""One record in, one clean row (or every error in it) out: the validate step of the pipeline.

Only cells that hold something become values: an empty cell says "no value here", so on an update it
leaves the stored value alone (a partial file never wipes data), and on an insert the default applies.
Errors name the file's column, not our field, because that is what the person will look for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deskapp.core.customers import clean_consent, clean_country, clean_language, clean_special_dates
from deskapp.core.io.importing import cleaners as c
from deskapp.core.io.importing.amounts import AmountReader
from deskapp.core.io.importing.contactrows import contact_values
from deskapp.core.io.importing.dates import DateReader, YearlessDate, normalise_time_text
from deskapp.core.io.importing.fastpaths import clean_email_fast
from deskapp.core.io.importing.headers import Mapping
from deskapp.core.io.importing.kinds import KINDS
from deskapp.core.io.importing.rowrules import RowError, finish_row
from deskapp.core.io.importing.sources import Record
from deskapp.core.records import (
    ChurnReason,
    FollowUpStatus,
    Settings,
    ValidationFailed,
    clean_enum,
    clean_int,
    clean_text,
)

_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")  # our CSV export's guard against formula injection


@dataclass(slots=True)
class CleanRow:
    line: int
    values: dict[str, Any]
    record: Record
    warnings: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the column it came from


# A cleaner: the function; whether it returns several stored values (a dict) or the field's own value; and
# for plain text fields (max length, None when empty), which the row loop handles inline for printable cells.
Cleaner = tuple[Callable[[Any], Any], bool, tuple[int, bool] | None]


def _one(name: str, fn: Callable[[Any], Any]) -> Cleaner:
    return fn, False, None


def _many(fn: Callable[[Any], dict[str, Any]]) -> Cleaner:
    return fn, True, None


def _text(name: str, max_length: int | None = None) -> Cleaner:
    return (lambda v: c.fast_text(name, v, max_length)), False, (max_length or 0, False)


def _optional_text(name: str, max_length: int = 200) -> Cleaner:
    return (lambda v: c.fast_text(name, v, max_length) or None), False, (max_length, True)


def _same(value: Any) -> Any:
    return value


def _currency(value: Any) -> str:
    code = str(value).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationFailed.one("currency", value, "must be a three-letter code such as EUR")
    return code


def _special_dates(value: Any) -> str:
    return clean_special_dates(value)


def _lenient(field: str, cleaner: Callable[[Any], str], value: Any) -> dict[str, Any]:
    try:
        return {field: cleaner(value)}
    except ValidationFailed as exc:
        return {f"_unread_{field}": exc.errors[0]}


class RowCleaner:
    """Validates the records of one file against one kind, with the file's mapping and date convention."""

    def __init__(
        self, mapping: Mapping, settings: Settings, dates: DateReader, *, csv_input: bool, decimal: str | None = None
    ) -> None:
        self.mapping = mapping
        self.amounts = AmountReader(decimal)
        self.settings = settings
        self.dates = dates
        self.csv_input = csv_input
        cleaners = self._cleaners()
        collected = {f.name for f in KINDS[mapping.kind].fields if f.collect}
        # `joined` in the plan: False, True (joined with spaces) or "collect" (every non-empty cell, see kinds)
        plan = [
            (name, src.columns, "collect" if name in collected else src.joined, *cleaners[name])
            for name, src in mapping.sources.items()
            if name in cleaners
        ]
        # Single-column text fields are checked inline; everything else goes through its cleaner.
        self.text_plan = [(p[0], p[1][0], p[5][0]) for p in plan if p[5] is not None and len(p[1]) == 1 and not p[2]]
        inline = {t[0] for t in self.text_plan}
        self.plan = [p[:5] for p in plan if p[0] not in inline]
        self.all_plan = [p[:5] for p in plan]
        self.columns = {name: src.columns[0] for name, src in mapping.sources.items()}
        self.record_values: dict[str, Any] = {}  # the row being cleaned (the contact cleaners read its labels)

    def _cleaners(self) -> dict[str, Cleaner]:
        d = self.dates
        # Google's exports put several values in one cell (" ::: ") and system labels ("* starred") among the
        # labels; elsewhere ":::" and "* " are just text.
        google = (self.mapping.preset or "").startswith("google")
        first = c.first_of if google else _same
        tags = c.clean_google_tags if google else c.clean_tags
        # Shopify writes its ids as '7012345678901 so that Excel keeps every digit.
        shopify = (self.mapping.preset or "").startswith("shopify")
        external_id = _one("external_id", lambda v: c.fast_text("external_id", v, 200).lstrip("'") or None)
        common: dict[str, Cleaner] = {
            "external_id": external_id if shopify else _optional_text("external_id"),
            "customer_external_id": _optional_text("customer_external_id"),
            "customer_email": _one("customer_email", lambda v: clean_email_fast(first(v), "customer_email")),
            "customer_id": _one("customer_id", lambda v: clean_int("customer_id", v, minimum=1)),
            "customer_name": _text("customer_name", 300),
            "details": _text("details"),
            "staff": _text("staff", 64),
            "owner": _text("owner", 64),
            "note": _text("note"),
            "notes": _text("notes"),
        }
        kind = self.mapping.kind
        if kind == "customers":
            common.update(
                id=_one("id", lambda v: clean_int("id", v, minimum=1)),
                name=_text("name", 300),
                name_parts=_text("name_parts", 300),
                company=_one("company", lambda v: c.fast_text("company", first(v), 300)),
                email=_many(lambda v: {"_emails": contact_values(v, self.record_values)}),
                phone=_many(lambda v: {"_phones": contact_values(v, self.record_values)}),
                street=_text("street", 300),
                street2=_text("street2", 300),
                postcode=_text("postcode", 32),
                city=_text("city", 100),
                region=_text("region", 100),
                # A country or language the desk can't name is a warning, not a refused row (see contactrows).
                country=_many(lambda v: _lenient("country", clean_country, v)),
                language=_many(lambda v: _lenient("language", clean_language, v)),
                marketing_consent=_one("marketing_consent", clean_consent),
                consent_at=_one("consent_at", lambda v: d.datetime("consent_at", v)),
                consent_source=_text("consent_source", 200),
                phone_raw=_many(lambda v: {"_typed_phone": clean_text("phone_raw", v, max_length=64)}),
                tags=_one("tags", tags),
                source=_one("source", lambda v: c.fast_text("source", v, 100).lower()),
                stage=_one("stage", lambda v: c.clean_choice(c.Stage, "stage", v)),
                churn_reason=_one("churn_reason", lambda v: clean_enum(ChurnReason, "churn_reason", v)),
                cadence_days=_one("cadence_days", lambda v: clean_int("cadence_days", v, minimum=1, maximum=3650)),
                birthday=_one("birthday", lambda v: d.date("birthday", v)),
                special_dates=_one("special_dates", _special_dates),
                created_at=_one("created_at", lambda v: d.datetime("created_at", v)),
                archived=_one("archived", lambda v: c.clean_bool("archived", v)),
            )
        elif kind == "interactions":
            common.update(
                channel=_one("channel", lambda v: c.clean_choice(c.Channel, "channel", v)),
                direction=_one("direction", lambda v: c.clean_choice(c.Direction, "direction", v)),
                occurred_at=_one("occurred_at", lambda v: d.datetime("occurred_at", v)),
                summary=_text("summary", 500),
                score=_one("score", lambda v: clean_int("score", v, minimum=0, maximum=10)),
            )
        elif kind == "purchases":
            common.update(
                ordered_at=_one("ordered_at", lambda v: d.datetime("ordered_at", v)),
                amount=_many(
                    lambda v: {"amount": self.amounts.read("amount", v, allow_negative=True), "_currency_hint": v}
                ),
                cost=_one("cost", lambda v: self.amounts.read("cost", v, required=False)),
                currency=_one("currency", _currency),
                description=_text("description", 500),
            )
        elif kind == "complaints":
            common.update(
                opened_at=_one("opened_at", lambda v: d.datetime("opened_at", v)),
                subject=_text("subject", 500),
                category=_one("category", lambda v: c.clean_choice(c.ComplaintCategory, "category", v)),
                priority=_one("priority", lambda v: c.clean_choice(c.Priority, "priority", v)),
                status=_one("status", lambda v: c.clean_choice(c.ComplaintStatus, "status", v)),
                first_response_due=_one("first_response_due", lambda v: d.datetime("first_response_due", v)),
                first_response_at=_one("first_response_at", lambda v: d.datetime("first_response_at", v)),
                resolved_at=_one("resolved_at", lambda v: d.datetime("resolved_at", v)),
                resolution=_text("resolution"),
            )
        elif kind == "followups":
            common.update(
                due=_many(self._due),
                due_date=_one("due_date", lambda v: d.date("due_date", v)),
                due_time=_one("due_time", lambda v: d.time("due_time", v)),
                kind=_one("kind", lambda v: c.clean_choice(c.FollowUpKind, "kind", v)),
                status=_one("status", lambda v: c.clean_choice(FollowUpStatus, "status", v)),
                completed_at=_one("completed_at", lambda v: d.datetime("completed_at", v)),
                assignee=_text("assignee", 64),
                automatic=_one("automatic", lambda v: c.clean_bool("automatic", v)),
                complaint_external_id=_optional_text("complaint_external_id"),
                purchase_external_id=_optional_text("purchase_external_id"),
                complaint_id=_one("complaint_id", lambda v: clean_int("complaint_id", v, minimum=1)),
                purchase_id=_one("purchase_id", lambda v: clean_int("purchase_id", v, minimum=1)),
            )
        return common

    def _due(self, value: Any) -> dict[str, Any]:
        """ "2026-12-01" or "2026-12-01 10:30" (local time): the follow-up's day and optional time."""
        text = normalise_time_text(str(value).strip()).replace("T", " ")
        day_text, _, clock = text.rpartition(" ") if ":" in text.rpartition(" ")[2] else (text, "", "")
        out: dict[str, Any] = {"due_date": self.dates.date("due", day_text, required=True)}
        if clock:
            out["due_time"] = self.dates.time("due", clock[:5] if len(clock) >= 5 else clock)
        return out

    def _joined(self, columns: tuple[str, ...], values: dict[str, Any]) -> tuple[str, str]:
        parts = [(col, str(values.get(col) or "").strip()) for col in columns]
        used = [col for col, part in parts if part]
        return " ".join(part for _, part in parts if part), " + ".join(used) or " + ".join(columns)

    def _collected(self, columns: tuple[str, ...], values: dict[str, Any]) -> tuple[list[tuple[str, Any]], str]:
        """Every non-empty cell of the columns, as (column, text) pairs: all of a contact's e-mails or phones."""
        found: list[tuple[str, Any]] = []
        for column in columns:
            cell = values.get(column)
            if cell is None or cell == "" or cell == []:
                continue
            for item in cell if isinstance(cell, list) else [cell]:
                if isinstance(item, dict):  # {"value": ..., "label": ...}: vCard, our JSON
                    if str(item.get("value") or "").strip():
                        found.append((column, item))
                    continue
                text = str(item)
                if self.csv_input and _NEUTRALISED.match(text):
                    text = text[1:]
                if text.strip():
                    found.append((column, text))
        return found, found[0][0] if found else columns[0]

    def clean(self, record: Record) -> CleanRow | list[RowError]:
        """The row's stored values, or every error in it. The loop is the import's hottest code: kept flat."""
        line = record.line
        if record.problem:
            return [RowError(line, "", "", "", record.problem)]
        values = record.values
        unquote = self.csv_input
        out: dict[str, Any] = {}
        plan = self.plan
        for name, column, limit in self.text_plan:
            cell = values.get(column)
            if cell is None or cell == "":
                continue
            if cell.__class__ is str and cell.isprintable() and not (unquote and cell[:1] == "'"):
                text = cell.strip()
                if text and (not limit or len(text) <= limit):
                    out[name] = text
                    continue
                if not text:
                    continue
            plan = self.all_plan  # an unusual cell: let every field take the careful path
            out.clear()
            break
        errors: list[RowError] = []
        warnings: list[str] = []
        columns = self.columns
        self.record_values = values
        value: Any
        for name, sources, joined, fn, many in plan:
            if joined == "collect":
                value, column = self._collected(sources, values)
                if not value:
                    continue
            elif joined:
                value, column = self._joined(sources, values)
                if not value:
                    continue
            else:
                value = None
                for column in sources:
                    cell = values.get(column)
                    if cell is None or cell == "" or cell == []:
                        continue
                    if cell.__class__ is str:
                        if not cell.strip():
                            continue
                        if unquote and cell[0] == "'" and _NEUTRALISED.match(cell):
                            cell = cell[1:]
                    value = cell
                    break
                if value is None:
                    continue
            if column != columns.get(name):
                columns = {**columns, name: column}
            try:
                if many:
                    out.update(fn(value))
                else:
                    out[name] = fn(value)
            except YearlessDate:
                out["_yearless_" + name] = str(value).strip()  # kept as a special day without a year
            except ValidationFailed as exc:
                errors.extend(RowError(line, column, e.field, value, e.message) for e in exc.errors)
        failed = {e.field for e in errors}
        errors.extend(
            e
            for e in finish_row(self.mapping.kind, out, columns, line, self.settings, warnings)
            if e.field not in failed
        )
        if errors:
            return errors
        return CleanRow(line, out, record, warnings, columns)
