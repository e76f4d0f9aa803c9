"""The desk's idea of "now", in one place so tests and demos can fix it.

`DESKAPP_NOW` (ISO 8601, e.g. 2026-11-23T09:00:00+00:00) freezes the clock for a process; tests patch
`clock.now` directly.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time


def now() -> datetime:
    fixed = os.environ.get("DESKAPP_NOW")
    if fixed:
        moment = datetime.fromisoformat(fixed)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    return datetime.now(UTC)


def today() -> date:
    """The local calendar day: follow-ups fall due by the user's date, not UTC's."""
    return now().astimezone().date()


def local_date(moment: datetime) -> date:
    return moment.astimezone().date()


def as_moment(day: date, at: time | None = None) -> datetime:
    """A local date (and optional local time) as an aware UTC moment, for sorting beside timestamps."""
    local = datetime.combine(day, at or time()).astimezone()
    return local.astimezone(UTC)
