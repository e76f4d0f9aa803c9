"""What needs attention: follow-ups due, open complaints, and the Today screen's figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, text
from sqlmodel import Session, col

from deskapp.core.records import (
    OPEN_COMPLAINT_STATUSES,
    PENDING_SQL,
    Complaint,
    ComplaintRow,
    ComplaintStatus,
    Customer,
    DeskSummary,
    FollowUp,
    FollowUpKind,
    FollowUpRow,
    FollowUpStatus,
    Page,
    Priority,
    Stage,
    StageCount,
    clean_enum,
    clock,
    id_of,
)

PRIORITY_ORDER = case(
    (col(Complaint.priority) == Priority.URGENT, 0),
    (col(Complaint.priority) == Priority.HIGH, 1),
    (col(Complaint.priority) == Priority.NORMAL, 2),
    else_=3,
)


def due_follow_ups(
    session: Session,
    today: date | None = None,
    days: int = 7,
    *,
    assignee: str | None = None,
    kind: FollowUpKind | str | None = None,
    overdue_only: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> Page[FollowUpRow]:
    """Pending follow-ups due up to `days` ahead (overdue ones included), oldest first."""
    today = today or clock.today()
    horizon = today - timedelta(days=1) if overdue_only else today + timedelta(days=days)
    stmt = (
        select(FollowUp, col(Customer.name))
        .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(text(f"follow_up.{PENDING_SQL}"))
        .where(col(FollowUp.due_date) <= horizon)
        .where(col(Customer.archived).is_(False))
    )
    if assignee:
        stmt = stmt.where(col(FollowUp.assignee) == assignee)
    if kind:
        stmt = stmt.where(col(FollowUp.kind) == clean_enum(FollowUpKind, "kind", kind))
    stmt = (
        stmt.order_by(col(FollowUp.due_date), col(FollowUp.due_time), col(FollowUp.id)).offset(offset).limit(limit + 1)
    )
    rows = session.execute(stmt).all()
    items = tuple(
        FollowUpRow(
            id=f.id,
            customer_id=f.customer_id,
            customer_name=name,
            due_date=f.due_date,
            due_time=f.due_time,
            kind=str(f.kind),
            note=f.note,
            status=str(f.status),
            assignee=f.assignee,
            days_overdue=(today - f.due_date).days,
            complaint_id=f.complaint_id,
        )
        for f, name in rows[:limit]
    )
    return Page(items=items, offset=offset, limit=limit, has_more=len(rows) > limit)


def open_complaints(
    session: Session,
    *,
    now: datetime | None = None,
    status: ComplaintStatus | str | None = None,
    late_only: bool = False,
    offset: int = 0,
    limit: int = 200,
) -> Page[ComplaintRow]:
    """Open cases, most urgent first and then oldest, with their age and whether the first response is late."""
    moment = now or clock.now()
    stmt = select(Complaint, col(Customer.name)).join(Customer, col(Customer.id) == col(Complaint.customer_id))
    if status:
        stmt = stmt.where(col(Complaint.status) == clean_enum(ComplaintStatus, "status", status))
    else:
        stmt = stmt.where(col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES))
    if late_only:
        stmt = stmt.where(col(Complaint.first_response_at).is_(None), col(Complaint.first_response_due) < moment)
    stmt = stmt.order_by(PRIORITY_ORDER, col(Complaint.opened_at), col(Complaint.id)).offset(offset).limit(limit + 1)
    rows = session.execute(stmt).all()
    items = tuple(complaint_row(c, name, moment) for c, name in rows[:limit])
    return Page(items=items, offset=offset, limit=limit, has_more=len(rows) > limit)


def complaint_row(c: Complaint, customer_name: str, now: datetime) -> ComplaintRow:
    responded_by = c.first_response_at or now
    late = c.first_response_due is not None and responded_by > c.first_response_due
    return ComplaintRow(
        id=id_of(c),
        customer_id=c.customer_id,
        customer_name=customer_name,
        subject=c.subject,
        category=str(c.category),
        priority=str(c.priority),
        status=str(c.status),
        opened_at=c.opened_at,
        age_days=max(0, (now - c.opened_at).days),
        first_response_due=c.first_response_due,
        first_response_at=c.first_response_at,
        first_response_late=late,
        owner=c.owner,
    )


def desk_summary(session: Session, today: date | None = None) -> DeskSummary:
    """The Today screen's line of figures, in a handful of aggregate queries."""
    today = today or clock.today()
    by_stage = dict(
        session.execute(
            select(col(Customer.stage), func.count())
            .where(col(Customer.archived).is_(False))
            .group_by(col(Customer.stage))
        ).all()
    )
    # Counted exactly like the lists `due_follow_ups` returns: pending, of customers not archived.
    pending = (
        select(func.count())
        .select_from(FollowUp)
        .join(Customer, col(Customer.id) == col(FollowUp.customer_id))
        .where(text(f"follow_up.{PENDING_SQL}"), col(Customer.archived).is_(False))
    )
    overdue = session.execute(pending.where(col(FollowUp.due_date) < today)).scalar_one()
    due_today = session.execute(pending.where(col(FollowUp.due_date) == today)).scalar_one()
    week_start = clock.as_moment(today - timedelta(days=today.weekday()))
    done = session.execute(
        select(func.count())
        .select_from(FollowUp)
        .where(col(FollowUp.status) == FollowUpStatus.DONE, col(FollowUp.completed_at) >= week_start)
    ).scalar_one()
    is_open = col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES)
    open_count = session.execute(select(func.count()).select_from(Complaint).where(is_open)).scalar_one()
    late = session.execute(
        select(func.count())
        .select_from(Complaint)
        .where(is_open, col(Complaint.first_response_at).is_(None), col(Complaint.first_response_due) < clock.now())
    ).scalar_one()
    return DeskSummary(
        customers_by_stage=tuple(StageCount(str(s), int(by_stage.get(s, 0))) for s in Stage),
        overdue=int(overdue),
        due_today=int(due_today),
        done_this_week=int(done),
        open_complaints=int(open_count),
        late_first_responses=int(late),
    )
