"""Automatic reminders that respect the person: one a day per customer, none to the over-contacted, and a
daily cap so a big old desk isn't flooded on its first day.

Without these a new customer got an onboarding call and a cadence check-in on the same day, and the first
sweep of an imported desk created thousands of reminders at once. The guard runs over the sweep's plans
before anything is written:
- one per customer per day: a plan landing on a day the customer already has a pending follow-up (of any
  kind, automatic or not), or another plan, moves to the next free day (within a fortnight, else waits);
- over-contact: a customer contacted outbound `over_contact_limit` times within `over_contact_window_days`
  gets no outreach (cadence, special day, win-back) this time; at-risk care is still planned;
- consent: a customer who withdrew marketing consent gets no special-day or win-back outreach (offers);
  service follow-ups (check-ins, at-risk care) stay. Nobody asked yet is not a withdrawal: those are
  personal calls by their owner, not marketing sends;
- the daily cap: at most `sweep_daily_cap` automatic reminders are created per day, most urgent first
  (at risk, win-back, special days, cadence; then the oldest due); the rest are planned again tomorrow,
  since their keys are still unused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.automation.plans import KEY_PREFIX, Plan
from deskapp.core.analytics.metrics.common import as_date, fetch, raw
from deskapp.core.records import (
    PENDING_FOLLOW_UP_STATUSES,
    ConsentStatus,
    Customer,
    Direction,
    FollowUp,
    Interaction,
    Settings,
    clock,
)

PRIORITY = {"at_risk": 0, "win_back": 1, "special_day": 2, "cadence": 3}
OUTREACH = frozenset({"cadence", "special_day", "win_back"})
MARKETING = frozenset({"special_day", "win_back"})  # outreach that needs marketing consent
SHIFT_DAYS = 14


@dataclass(frozen=True)
class Guarded:
    plans: list[Plan]
    moved: int  # moved to another day (one a day per customer)
    over_contacted: int  # outreach left out for customers contacted too often lately
    capped: int  # held back by the daily cap, for the next days
    no_consent: int = 0  # marketing outreach left out: the customer withdrew consent


def _busy_days(session: Session, today: date, last: date) -> set[tuple[int, date]]:
    return {
        (cid, as_date(day))
        for cid, day in fetch(
            session,
            select(col(FollowUp.customer_id), raw(session, col(FollowUp.due_date)))
            .where(col(FollowUp.status).in_(PENDING_FOLLOW_UP_STATUSES))
            .where(col(FollowUp.due_date) >= today, col(FollowUp.due_date) <= last),
        )
    }


def _over_contacted(session: Session, settings: Settings) -> set[int]:
    since = clock.now() - timedelta(days=settings.over_contact_window_days)
    return {
        cid
        for cid, n in fetch(
            session,
            select(col(Interaction.customer_id), func.count())
            .where(col(Interaction.direction) == Direction.OUT, col(Interaction.occurred_at) >= since)
            .group_by(col(Interaction.customer_id)),
        )
        if n >= settings.over_contact_limit
    }


def _withdrawn(session: Session, customer_ids: set[int]) -> set[int]:
    if not customer_ids:
        return set()
    return {
        cid
        for (cid,) in fetch(
            session,
            select(col(Customer.id))
            .where(col(Customer.id).in_(customer_ids))
            .where(col(Customer.marketing_consent) == ConsentStatus.WITHDRAWN),
        )
    }


def created_today(session: Session, today: date) -> int:
    """Automatic reminders the sweep already created today (what the cap counts)."""
    upper = KEY_PREFIX[:-1] + chr(ord(KEY_PREFIX[-1]) + 1)
    return int(
        session.execute(
            select(func.count())
            .select_from(FollowUp)
            .where(col(FollowUp.external_id) >= KEY_PREFIX, col(FollowUp.external_id) < upper)
            .where(col(FollowUp.created_at) >= clock.as_moment(today))
        ).scalar_one()
    )


def guard(session: Session, plans: list[Plan], today: date, settings: Settings) -> Guarded:
    ordered = sorted(plans, key=lambda p: (PRIORITY.get(p.rule, 9), p.due, p.customer_id))
    last = max((p.due for p in ordered), default=today) + timedelta(days=SHIFT_DAYS)
    busy = _busy_days(session, today, last)
    tired = _over_contacted(session, settings)
    withdrawn = _withdrawn(session, {p.customer_id for p in ordered if p.rule in MARKETING})
    room = max(settings.sweep_daily_cap - created_today(session, today), 0)
    kept: list[Plan] = []
    left_out: Counter[str] = Counter()
    for plan in ordered:
        if plan.rule in OUTREACH and plan.customer_id in tired:
            left_out["tired"] += 1
            continue
        if plan.rule in MARKETING and plan.customer_id in withdrawn:
            left_out["no consent"] += 1
            continue
        due = plan.due
        while (plan.customer_id, due) in busy and due < plan.due + timedelta(days=SHIFT_DAYS):
            due += timedelta(days=1)
        if (plan.customer_id, due) in busy:
            left_out["no free day"] += 1
            continue
        if len(kept) >= room:
            left_out["capped"] += 1
            continue
        if due != plan.due:
            left_out["moved"] += 1
            plan = replace(plan, due=due)
        busy.add((plan.customer_id, due))
        kept.append(plan)
    held = left_out["capped"] + left_out["no free day"]
    return Guarded(kept, left_out["moved"], left_out["tired"], held, left_out["no consent"])
