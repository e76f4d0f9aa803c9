"""Sweep rules that need no model: cadence check-ins and special days."""

from __future__ import annotations

import calendar
import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.automation.plans import KEY_PREFIX, Plan
from deskapp.core.analytics.metrics.common import as_date, day_expr, fetch, raw, utc
from deskapp.core.records import (
    PENDING_FOLLOW_UP_STATUSES,
    Customer,
    FollowUp,
    FollowUpKind,
    Interaction,
    Purchase,
    Settings,
    clock,
    special_day_date,
)

# --- cadence ----------------------------------------------------------------------------------------------


def plan_cadence_check_ins(session: Session, today: date, settings: Settings, *, ahead_days: int = 0) -> list[Plan]:
    """A check-in for each active customer whose last contact (or, never contacted, their creation) is
    older than their cadence by `today + ahead_days`, unless a check-in is already pending."""
    last_contact = dict(
        fetch(
            session,
            select(col(Interaction.customer_id), func.max(raw(session, col(Interaction.occurred_at)))).group_by(
                col(Interaction.customer_id)
            ),
        )
    )
    pending = {
        cid
        for (cid,) in fetch(
            session,
            select(col(FollowUp.customer_id))
            .where(col(FollowUp.kind) == FollowUpKind.CHECK_IN)
            .where(col(FollowUp.status).in_(PENDING_FOLLOW_UP_STATUSES))
            .distinct(),
        )
    }
    plans = []
    horizon = today + timedelta(days=ahead_days)
    for cid, stage, own, created, owner in fetch(
        session,
        select(
            col(Customer.id),
            raw(session, col(Customer.stage)),
            col(Customer.cadence_days),
            raw(session, col(Customer.created_at)),
            col(Customer.owner),
        ).where(col(Customer.archived).is_(False)),
    ):
        cadence = own or settings.cadence_for(str(stage))
        if not cadence or cid in pending:
            continue
        contact: datetime | None = utc(last_contact[cid]) if cid in last_contact else None
        since = clock.local_date(contact or utc(created))
        due = since + timedelta(days=cadence)
        if due > horizon:
            continue
        what = f"last contact {since.isoformat()}" if contact else f"no contact since added on {since.isoformat()}"
        reason = f"Regular check-in: {what}, {(today - since).days} days ago (cadence {cadence} days)"
        key = f"{KEY_PREFIX}cadence:{cid}:{since.isoformat()}"
        plans.append(Plan("cadence", cid, max(due, today), FollowUpKind.CHECK_IN, reason, key, owner))
    return plans


# --- special days -----------------------------------------------------------------------------------------


def next_occurrence(day: date, today: date) -> date:
    """The next yearly recurrence of `day` on or after `today` (29 February falls on the 28th otherwise)."""
    for year in (today.year, today.year + 1):
        try:
            occurrence = day.replace(year=year)
        except ValueError:
            occurrence = date(year, 2, 28)
        if occurrence >= today:
            return occurrence
    raise AssertionError("unreachable: next year's occurrence is always after today")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "day"


def _month_days(today: date, days: int) -> list[str]:
    """ "MM-DD" of each day in the window (29 February joins 28 February in years without it)."""
    found = []
    for i in range(days + 1):
        day = today + timedelta(days=i)
        found.append(day.strftime("%m-%d"))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            found.append("02-29")
    return found


def _month_day(session: Session, expr: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(expr, 6, 5)
    return func.to_char(expr, "MM-DD")


def plan_special_days(session: Session, today: date, settings: Settings, *, ahead_days: int = 0) -> list[Plan]:
    """Follow-ups `special_day_lead_days` before birthdays, customer anniversaries and special dates.

    Only customers whose day falls in the window are read (month and day matched in SQL), so the daily
    sweep doesn't walk every customer for the few with a birthday this week."""
    lead = settings.special_day_lead_days
    window_end = today + timedelta(days=lead + ahead_days)
    month_days = _month_days(today, lead + ahead_days)
    first_day = day_expr(session, func.min(col(Purchase.ordered_at)))
    anniversaries = (
        select(col(Purchase.customer_id), first_day)
        .group_by(col(Purchase.customer_id))
        .having(_month_day(session, first_day).in_(month_days))
    )
    first_purchase = {cid: as_date(day) for cid, day in fetch(session, anniversaries)}
    candidates = or_(
        _month_day(session, col(Customer.birthday)).in_(month_days),
        col(Customer.special_dates) != "",
        col(Customer.id).in_(anniversaries.with_only_columns(col(Purchase.customer_id))),
    )
    plans = []
    for cid, name, birthday, special, owner in fetch(
        session,
        select(
            col(Customer.id),
            col(Customer.name),
            raw(session, col(Customer.birthday)),
            col(Customer.special_dates),
            col(Customer.owner),
        )
        .where(col(Customer.archived).is_(False))
        .where(candidates),
    ):
        days: list[tuple[str, date, str, bool]] = []
        if birthday is not None:
            days.append(("birthday", as_date(birthday), "birthday", True))
        if cid in first_purchase:
            days.append(("anniversary", first_purchase[cid], "anniversary of becoming a customer", True))
        for item in json.loads(special) if special else []:
            label = str(item.get("label") or "special day")
            day, has_year = special_day_date(item["date"])  # "--06-21": a day whose year nobody knows
            days.append((_slug(label), day, label, has_year))
        for slug, day, label, has_year in days:
            occurrence = next_occurrence(day, today)
            if occurrence > window_end:
                continue
            years = occurrence.year - day.year
            if slug == "anniversary" and has_year and years < 1:
                continue
            nth = f" ({years} year{'s' if years > 1 else ''})" if slug == "anniversary" and has_year else ""
            reason = f"Special day: {name}'s {label}{nth} on {occurrence.isoformat()}"
            key = f"{KEY_PREFIX}special:{cid}:{slug}:{occurrence.isoformat()}"
            due = max(today, occurrence - timedelta(days=lead))
            plans.append(Plan("special_day", cid, due, FollowUpKind.SPECIAL_DAY, reason, key, owner))
    return plans
