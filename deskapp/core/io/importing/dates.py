"""Dates and times as spreadsheets and contact exports write them, read into what the core stores.

Outlook writes "0/0/00" for no birthday, Google and vCard "--03-14" for a birthday without a year, vCard 4
"19800115", US tools "3/4/2025 2:15 PM", people "15 Jan 1980". Each is rewritten into a form the core's
`clean_date` / `clean_datetime` read, and they decide. ISO text, by far the most common, takes a fast path
that gives the same answer.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from deskapp.core.records import ValidationFailed, clean_date, clean_datetime

_NO_DATE = re.compile(r"^0{1,2}[./-]0{1,2}[./-]0{2,4}$")  # Outlook's "0/0/00"
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")  # vCard / Google "--03-14": a day without a year
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # vCard 4 "19800115"
_AMPM = re.compile(r"^(.*?)(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([AaPp])\.?[Mm]\.?$")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?\Z")
_NAMED = re.compile(r"^(?:(\d{1,2})\.?\s+([A-Za-z]+)\.?,?\s+(\d{4})|([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4}))$")


class YearlessDate(ValueError):
    """A day and month without a year (a birthday in a phone's contacts): there is no date to store."""


def _normalise_date_text(text: str) -> str:
    """Rewrite date spellings the core parser doesn't read into ISO; other text passes unchanged."""
    if _NO_YEAR.match(text):
        raise YearlessDate(text)
    compact = _COMPACT.match(text)
    if compact:
        return "-".join(compact.groups())
    named = _NAMED.match(text)
    if named:
        day, month, year = (named[1], named[2], named[3]) if named[1] else (named[5], named[4], named[6])
        number = _MONTHS.get(month.lower())
        if number:
            return f"{year}-{number:02d}-{int(day):02d}"
    return text


def normalise_time_text(text: str) -> str:
    """ "3/4/2025 2:15 PM" -> "3/4/2025 14:15"."""
    found = _AMPM.match(text)
    if not found:
        return text
    head, hour, minute, second, half = found.groups()
    h = int(hour) % 12 + (12 if half.lower() == "p" else 0)
    return f"{head.strip()} {h:02d}:{minute or '00'}:{second or '00'}".strip()


class DateReader:
    """Dates and times of one file, read with the file's convention for ambiguous days (3/4 = 3 April or
    4 March). `dayfirst=None` means nobody said: day first, as the core does, and the first ambiguous value
    is remembered so the import can say how it was read."""

    def __init__(self, dayfirst: bool | None = None) -> None:
        self.dayfirst = True if dayfirst is None else dayfirst
        self.explicit = dayfirst is not None
        self.ambiguous_example: str | None = None

    def _note_ambiguity(self, text: str) -> None:
        if self.explicit or self.ambiguous_example is not None or "/" not in text and "-" not in text[:3]:
            return
        found = re.search(r"\b(\d{1,2})[/-](\d{1,2})[/-]\d{4}\b", text)
        if found and int(found[1]) <= 12 and int(found[2]) <= 12 and found[1] != found[2]:
            self.ambiguous_example = text

    def date(self, field: str, value: Any, *, required: bool = False) -> date | None:
        if value.__class__ is str:
            text = value.strip()
            try:
                if _ISO_DATE.match(text):  # the common cases, read the way `parse_date` reads them
                    return date.fromisoformat(text)
                dotted = _DOTTED_DATE.match(text)
                if dotted:
                    return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
            except ValueError:
                pass
            if _NO_DATE.match(text):
                value = ""
            elif text:
                value = _normalise_date_text(text)
                self._note_ambiguity(text)
        return clean_date(field, value, required=required, dayfirst=self.dayfirst)

    def datetime(self, field: str, value: Any, *, required: bool = False) -> datetime | None:
        if value.__class__ is str:
            plain = value.strip()
            if _ISO_MOMENT.match(plain):  # what `clean_datetime` does with ISO text, minus its per-call costs
                # A naive value is local wall time on its own date: astimezone applies that date's DST offset
                # (as `clean_datetime` does), not today's.
                return datetime.fromisoformat(plain.replace("Z", "+00:00")).astimezone(UTC)
            text = normalise_time_text(plain)
            if text:
                self._note_ambiguity(text)
                day, _, clock = text.rpartition(" ") if ":" in text.rpartition(" ")[2] else (text, "", "")
                try:
                    text = f"{_normalise_date_text(day)} {clock}".strip()
                except YearlessDate:
                    pass  # the core cleaner says what is wrong with it
            value = text
        return clean_datetime(field, value, required=required, dayfirst=self.dayfirst)

    def time(self, field: str, value: Any) -> time | None:
        if value is None or isinstance(value, time) or not str(value).strip():
            return value or None
        text = normalise_time_text(str(value).strip())
        try:
            return time.fromisoformat(text if len(text) > 2 else f"{text}:00")
        except ValueError:
            raise ValidationFailed.one(field, value, "is not a time (use HH:MM)") from None
