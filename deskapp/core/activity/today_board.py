"""What the Today page shows, in one read: the follow-ups due (overdue first), the open complaints, the desk's
line of figures and the names of customers flagged at risk.

The flags come from the automation sweep, which sits above this package; the caller passes the flagged ids
(`analytics.automation.open_at_risk_flags`), so activity never imports analytics.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.activity.reminders import desk_summary, due_follow_ups, open_complaints
from deskapp.core.records import ComplaintRow, Customer, DeskSummary, FollowUpRow

FOLLOW_UP_LIMIT = 500  # oldest first: past this, the Follow-ups page pages through the rest
COMPLAINT_LIMIT = 100


@dataclass(frozen=True)
class TodayBoard:
    overdue: tuple[FollowUpRow, ...]
    due_today: tuple[FollowUpRow, ...]
    more_follow_ups: bool
    complaints: tuple[ComplaintRow, ...]
    more_complaints: bool
    summary: DeskSummary
    now: datetime
    at_risk: tuple[str, ...] = ()  # names of customers with an open at-risk check-in (`deskapp due` flags them)


def today_board(
    session: Session,
    *,
    today: date,
    now: datetime,
    at_risk_ids: Iterable[int] = (),
    follow_up_limit: int = FOLLOW_UP_LIMIT,
    complaint_limit: int = COMPLAINT_LIMIT,
) -> TodayBoard:
    due = due_follow_ups(session, today, days=0, limit=follow_up_limit)
    complaints = open_complaints(session, now=now, limit=complaint_limit)
    return TodayBoard(
        overdue=tuple(r for r in due.items if r.days_overdue > 0),
        due_today=tuple(r for r in due.items if r.days_overdue == 0),
        more_follow_ups=due.has_more,
        complaints=complaints.items,
        more_complaints=complaints.has_more,
        summary=desk_summary(session, today),
        now=now,
        at_risk=active_names(session, at_risk_ids),
    )


def active_names(session: Session, customer_ids: Iterable[int]) -> tuple[str, ...]:
    """The names of those customers who are not archived, in name order."""
    ids = list(customer_ids)
    if not ids:
        return ()
    stmt = (
        select(col(Customer.name))
        .where(col(Customer.id).in_(ids), col(Customer.archived).is_(False))
        .order_by(col(Customer.name))
    )
    return tuple(session.scalars(stmt).all())
