"""Business settings: defaults the owner can change per desk, stored as JSON in the `setting` table.

Everything a rule needs to decide (cadences, deadlines, margins, windows) lives here, so the rules read
one frozen value and tests can hand in their own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deskapp.core.records.tables import Setting


def _default_cadence() -> dict[str, int | None]:
    return {
        "awareness": 30,
        "consideration": 14,
        "purchase": 30,
        "retention": 60,
        "advocacy": 45,
        "churned": None,
    }


def _default_first_response_hours() -> dict[str, int]:
    return {"urgent": 4, "high": 24, "normal": 48, "low": 120}


@dataclass(frozen=True)
class Settings:
    phone_region: str = "GB"  # region assumed for phone numbers written without a country code
    currency: str = "EUR"
    default_margin: Decimal = Decimal("0.30")  # share of revenue kept when a purchase has no cost
    cadence_days: dict[str, int | None] = field(default_factory=_default_cadence)
    first_response_hours: dict[str, int] = field(default_factory=_default_first_response_hours)
    thank_you_after_days: int = 2
    onboarding_days: tuple[int, ...] = (7, 30, 90)
    complaint_follow_up_after_days: int = 3
    history_window_days: int = 30  # older events change stages but create no follow-ups
    special_day_lead_days: int = 3
    over_contact_limit: int = 3  # warn when more than this many outbound contacts ...
    over_contact_window_days: int = 7  # ... happened within this many days
    at_risk_factor: float = 2.0  # silence beyond factor x the customer's usual purchase interval
    at_risk_alive_threshold: float = 0.3
    daily_backups_kept: int = 7  # the rotating backup made when the desk opens; 0 turns it off
    sweep_daily_cap: int = 50  # automatic reminders created per day at most; the rest follow on the next days
    lapsed_cycles: float = 3.0  # silent past this many of their own purchase cycles: lapsed
    win_back_after_days: int = 60  # a win-back follow-up this long after a customer churned or lapsed
    detractor_complaint_below: int = 3  # a feedback score under this also opens a complaint (0-6 always calls)

    def cadence_for(self, stage: str) -> int | None:
        return self.cadence_days.get(str(stage))

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["default_margin"] = str(self.default_margin)
        out["onboarding_days"] = list(self.onboarding_days)
        return out


def _coerce(name: str, value: Any) -> Any:
    if name == "default_margin":
        return Decimal(str(value))
    if name == "onboarding_days":
        return tuple(int(v) for v in value)
    return value


def load_settings(session: Session) -> Settings:
    """The desk's settings: stored values over the defaults (unknown keys are ignored)."""
    known = {f.name for f in dataclasses.fields(Settings)}
    stored = {
        row.key: _coerce(row.key, json.loads(row.value)) for row in session.scalars(select(Setting)) if row.key in known
    }
    return Settings(**stored)


def save_setting(session: Session, key: str, value: Any) -> None:
    known = {f.name for f in dataclasses.fields(Settings)}
    if key not in known:
        raise KeyError(f"unknown setting {key!r}; known: {', '.join(sorted(known))}")
    plain = str(value) if isinstance(value, Decimal) else value
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=json.dumps(plain)))
    else:
        row.value = json.dumps(plain)
    session.flush()
