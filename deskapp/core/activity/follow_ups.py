"""Follow-ups: dated reminders to contact a customer, scheduled, completed (a check-in schedules the
next by cadence), snoozed, rescheduled or cancelled; each change bumps the version."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from deskapp.core.activity.common import collect, staff_or_session
from deskapp.core.customers import get_customer, lifecycle
from deskapp.core.records import (
    PENDING_FOLLOW_UP_STATUSES,
    Customer,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    InvalidTransition,
    NotFound,
    Settings,
    ValidationFailed,
    clean_date,
    clean_enum,
    clean_text,
    clean_time,
    clock,
    load_settings,
)


def get_follow_up(session: Session, follow_up_id: int, *, lock: bool = False) -> FollowUp:
    follow_up = session.get(FollowUp, follow_up_id, with_for_update=lock)
    if follow_up is None:
        raise NotFound("follow-up", follow_up_id)
    return follow_up


def _clean_due(value: Any) -> tuple[date, Any]:
    """A due value: a date, a datetime, "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" (local time)."""
    if isinstance(value, datetime):
        local = value.astimezone() if value.tzinfo else value
        return local.date(), local.time().replace(second=0, microsecond=0)
    if isinstance(value, date):
        return value, None
    text = clean_text("due", value, required=True)
    parts = text.replace("T", " ").split()
    day = clean_date("due", parts[0], required=True)
    at = clean_time("due", parts[1]) if len(parts) > 1 else None
    assert day is not None
    return day, at


def schedule_follow_up(
    session: Session,
    customer_id: int,
    *,
    due: date | datetime | str,
    kind: FollowUpKind | str = FollowUpKind.CHECK_IN,
    note: str = "",
    assignee: str | None = None,
    complaint_id: int | None = None,
    purchase_id: int | None = None,
    external_id: str | None = None,
) -> FollowUp:
    customer = get_customer(session, customer_id)
    (day, at), what, text, ext = collect(
        lambda: _clean_due(due),
        lambda: clean_enum(FollowUpKind, "kind", kind, default=FollowUpKind.CHECK_IN),
        lambda: clean_text("note", note),
        lambda: clean_text("external_id", external_id, max_length=200) or None,
    )
    follow_up = lifecycle.add_follow_up(
        session,
        customer_id,
        day,
        what,
        text,
        assignee=(assignee or "").strip() or customer.owner or staff_or_session(session),
        automatic=False,
        complaint_id=complaint_id,
        purchase_id=purchase_id,
        due_time=at,
        external_id=ext,
    )
    session.flush()
    return follow_up


def _pending(session: Session, follow_up_id: int) -> FollowUp:
    """The follow-up, locked, refusing one already done or cancelled (so it can't be completed twice)."""
    follow_up = get_follow_up(session, follow_up_id, lock=True)
    if follow_up.status not in PENDING_FOLLOW_UP_STATUSES:
        raise InvalidTransition(f"follow-up {follow_up_id} is already {follow_up.status}")
    return follow_up


def complete_follow_up(
    session: Session, follow_up_id: int, *, note: str | None = None, settings: Settings | None = None
) -> tuple[FollowUp, FollowUp | None]:
    """Mark done; a completed check-in of a customer with a cadence schedules the next one."""
    settings = settings or load_settings(session)
    follow_up = _pending(session, follow_up_id)
    follow_up.status = FollowUpStatus.DONE
    follow_up.completed_at = clock.now()
    follow_up.version += 1
    if note:
        follow_up.note = f"{follow_up.note}\n{clean_text('note', note)}".strip()
    upcoming: FollowUp | None = None
    if follow_up.kind == FollowUpKind.CHECK_IN:
        customer = session.get(Customer, follow_up.customer_id)
        cadence = lifecycle.effective_cadence(customer, settings) if customer and not customer.archived else None
        if cadence:
            upcoming = lifecycle.add_follow_up(
                session,
                follow_up.customer_id,
                clock.today() + timedelta(days=cadence),
                FollowUpKind.CHECK_IN,
                f"Regular check-in (every {cadence} days)",
                assignee=follow_up.assignee,
            )
    session.flush()
    return follow_up, upcoming


def snooze_follow_up(
    session: Session, follow_up_id: int, *, days: int | None = None, until: date | str | None = None
) -> FollowUp:
    """Push a reminder to later: by a number of days from today, or to a chosen date."""
    follow_up = _pending(session, follow_up_id)
    if until is not None:
        target = clean_date("until", until, required=True)
    elif days is not None and days > 0:
        target = clock.today() + timedelta(days=days)
    else:
        raise ValidationFailed.one("days", days, "snooze by a positive number of days or until a date")
    assert target is not None
    if target < clock.today():
        raise ValidationFailed.one("until", until, "is in the past")
    follow_up.due_date = target
    follow_up.status = FollowUpStatus.SNOOZED
    follow_up.version += 1
    session.flush()
    return follow_up


def reschedule_follow_up(session: Session, follow_up_id: int, *, due: date | datetime | str) -> FollowUp:
    follow_up = _pending(session, follow_up_id)
    follow_up.due_date, follow_up.due_time = _clean_due(due)
    follow_up.status = FollowUpStatus.OPEN
    follow_up.version += 1
    session.flush()
    return follow_up


def cancel_follow_up(session: Session, follow_up_id: int) -> FollowUp:
    follow_up = _pending(session, follow_up_id)
    follow_up.status = FollowUpStatus.CANCELLED
    follow_up.version += 1
    session.flush()
    return follow_up
