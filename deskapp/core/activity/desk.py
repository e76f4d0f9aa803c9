"""Read models the desk (the TUI) needs beyond the list queries: one customer's profile card, and which
follow-ups are due *right now*.

Kept in the core so the screens get frozen values (never ORM objects) and the rules ("a reminder set for
14:00 comes due at 14:00, one without a time at the start of its day") are tested without a terminal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from deskapp.core.activity.reminders import due_follow_ups
from deskapp.core.customers import contacts_of, get_customer, last_contact_at, stage_history
from deskapp.core.records import (
    OPEN_COMPLAINT_STATUSES,
    PENDING_FOLLOW_UP_STATUSES,
    Complaint,
    Customer,
    FollowUp,
    FollowUpRow,
    Purchase,
    clock,
    tag_list,
)


@dataclass(frozen=True)
class StageStep:
    at: datetime
    from_stage: str | None
    to_stage: str
    reason: str
    churn_reason: str | None
    staff: str
    automatic: bool


@dataclass(frozen=True)
class CustomerProfile:
    """Everything the customer card shows, read in one session."""

    id: int
    name: str
    company: str
    email: str
    phone: str
    phone_raw: str
    tags: tuple[str, ...]
    source: str
    owner: str
    stage: str
    cadence_days: int | None
    birthday: date | None
    notes: str
    archived: bool
    version: int
    created_at: datetime
    stage_history: tuple[StageStep, ...]
    last_contact: datetime | None
    open_complaints: int
    pending_follow_ups: int
    next_follow_up: date | None
    orders: int
    revenue: Decimal
    # What a contact has (see deskapp.core.customers.contacts): shown when there is something to show.
    address: str = ""
    language: str = ""
    consent: str = ""  # "given 2026-01-10 (signed up in the shop)", "" when nobody asked
    more_emails: tuple[tuple[str, str], ...] = ()  # (address, label)
    more_phones: tuple[tuple[str, str], ...] = ()  # (as typed, label)
    special_days: tuple[tuple[str, str], ...] = ()  # (label, "YYYY-MM-DD" or "--MM-DD")


def _consent_line(c: Customer) -> str:
    if c.marketing_consent is None:
        return ""
    when = f" {c.consent_at.astimezone():%Y-%m-%d}" if c.consent_at else ""
    how = f" ({c.consent_source})" if c.consent_source else ""
    return f"{c.marketing_consent}{when}{how}"


def customer_profile(session: Session, customer_id: int) -> CustomerProfile:
    """The profile card of one customer (raises NotFound)."""
    c = get_customer(session, customer_id)
    assert c.id is not None
    steps = tuple(
        StageStep(
            at=s.at,
            from_stage=str(s.from_stage) if s.from_stage else None,
            to_stage=str(s.to_stage),
            reason=s.reason,
            churn_reason=str(s.churn_reason) if s.churn_reason else None,
            staff=s.staff,
            automatic=s.automatic,
        )
        for s in stage_history(session, c.id)
    )
    open_cases = session.execute(
        select(func.count())
        .select_from(Complaint)
        .where(col(Complaint.customer_id) == c.id, col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES))
    ).scalar_one()
    pending, next_due = session.execute(
        select(func.count(), func.min(col(FollowUp.due_date))).where(
            col(FollowUp.customer_id) == c.id,
            col(FollowUp.status).in_(PENDING_FOLLOW_UP_STATUSES),
        )
    ).one()
    held = contacts_of(session, c.id)
    special = json.loads(c.special_dates) if c.special_dates else []
    orders, revenue = session.execute(
        select(func.count(), func.coalesce(func.sum(col(Purchase.amount)), 0)).where(col(Purchase.customer_id) == c.id)
    ).one()
    return CustomerProfile(
        id=c.id,
        name=c.name,
        company=c.company,
        email=c.email,
        phone=c.phone,
        phone_raw=c.phone_raw,
        tags=tuple(tag_list(c.tags)),
        source=c.source,
        owner=c.owner,
        stage=str(c.stage),
        cadence_days=c.cadence_days,
        birthday=c.birthday,
        notes=c.notes,
        archived=c.archived,
        version=c.version,
        created_at=c.created_at,
        stage_history=steps,
        last_contact=last_contact_at(session, c.id),
        open_complaints=int(open_cases),
        pending_follow_ups=int(pending),
        next_follow_up=next_due,
        orders=int(orders),
        revenue=Decimal(revenue).quantize(Decimal("0.01")),  # sum() keeps the Money type: already Decimal
        address=", ".join(p for p in (c.street, f"{c.postcode} {c.city}".strip(), c.region, c.country) if p),
        language=c.language,
        consent=_consent_line(c),
        more_emails=tuple((e.value, e.label) for e in held.emails),
        more_phones=tuple((p.raw or p.value, p.label) for p in held.phones),
        special_days=tuple((str(d.get("label", "")), str(d["date"])) for d in special),
    )


def is_due_now(row: FollowUpRow, now: datetime) -> bool:
    """Due when its day has come and, for a reminder with a time, that (local) time has passed."""
    local = now.astimezone()
    if row.due_date != local.date():
        return row.due_date < local.date()
    return row.due_time is None or row.due_time <= local.time().replace(tzinfo=None)


def due_now(session: Session, now: datetime | None = None, *, limit: int = 500) -> tuple[FollowUpRow, ...]:
    """Pending follow-ups that are due at this moment, oldest first (what a "came due" alert compares)."""
    moment = now or clock.now()
    today = moment.astimezone().date()
    rows = due_follow_ups(session, today, days=0, limit=limit).items
    return tuple(r for r in rows if is_due_now(r, moment))


__all__ = ["CustomerProfile", "StageStep", "customer_profile", "due_now", "is_due_now"]
