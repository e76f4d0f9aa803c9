"""Complaints: a case opened with a first-response deadline, answered, resolved with a personal
follow-up, closed."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlmodel import Session

from deskapp.core.activity.common import collect, staff_or_session
from deskapp.core.activity.interactions import log_interaction
from deskapp.core.customers import lifecycle
from deskapp.core.records import (
    OPEN_COMPLAINT_STATUSES,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Direction,
    FieldError,
    FollowUp,
    FollowUpKind,
    Interaction,
    InvalidTransition,
    NotFound,
    Priority,
    Settings,
    ValidationFailed,
    clean_datetime,
    clean_enum,
    clean_text,
    clock,
    load_settings,
)


def get_complaint(session: Session, complaint_id: int, *, lock: bool = False) -> Complaint:
    complaint = session.get(Complaint, complaint_id, with_for_update=lock)
    if complaint is None:
        raise NotFound("complaint", complaint_id)
    return complaint


COMPLAINT_EDITABLE = ("subject", "details", "category", "priority", "status", "owner")


def update_complaint(session: Session, complaint_id: int, **fields: Any) -> Complaint:
    """Change subject, details, category, priority, status or owner. Resolving goes through
    `resolve_complaint`, which asks for the resolution."""
    complaint = get_complaint(session, complaint_id, lock=True)
    unknown = sorted(set(fields) - set(COMPLAINT_EDITABLE))
    if unknown:
        raise ValidationFailed([FieldError(k, fields[k], "can't be changed here") for k in unknown])
    cleaners = {
        "subject": lambda v: clean_text("subject", v, required=True, max_length=500),
        "details": lambda v: clean_text("details", v),
        "category": lambda v: clean_enum(ComplaintCategory, "category", v),
        "priority": lambda v: clean_enum(Priority, "priority", v),
        "status": lambda v: clean_enum(ComplaintStatus, "status", v),
        "owner": lambda v: clean_text("owner", v, max_length=64),
    }
    names = list(fields)
    values = collect(*(partial(cleaners[n], fields[n]) for n in names))
    changes = dict(zip(names, values, strict=True))
    if changes.get("status") == ComplaintStatus.RESOLVED and complaint.status != ComplaintStatus.RESOLVED:
        raise ValidationFailed.one("status", fields["status"], "resolve the complaint with its resolution")
    for key, value in changes.items():
        setattr(complaint, key, value)
    complaint.updated_at = clock.now()
    session.flush()
    return complaint


def respond_to_complaint(
    session: Session,
    complaint_id: int,
    *,
    message: str,
    channel: Channel | str = Channel.CALL,
    at: datetime | str | None = None,
) -> Interaction:
    """Answer the customer: logs the outbound contact, stamps the first response, moves the case on."""
    complaint = get_complaint(session, complaint_id, lock=True)
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        raise InvalidTransition(f"complaint {complaint_id} is {complaint.status}; reopen it to respond")
    moment = clean_datetime("at", at) or clock.now()
    interaction = log_interaction(
        session,
        complaint.customer_id,
        channel=channel,
        summary=f"Re: {complaint.subject}"[:500],
        details=clean_text("message", message, required=True),
        direction=Direction.OUT,
        occurred_at=moment,
    )
    if complaint.first_response_at is None:
        complaint.first_response_at = moment
    if complaint.status == ComplaintStatus.OPEN:
        complaint.status = ComplaintStatus.IN_PROGRESS
    complaint.updated_at = clock.now()
    session.flush()
    return interaction


def resolve_complaint(
    session: Session,
    complaint_id: int,
    *,
    resolution: str,
    follow_up: bool = True,
    follow_up_in_days: int | None = None,
    at: datetime | str | None = None,
    settings: Settings | None = None,
) -> tuple[Complaint, FollowUp | None]:
    """Close the case with what was done; by default schedule the personal follow-up a few days later."""
    settings = settings or load_settings(session)
    complaint = get_complaint(session, complaint_id, lock=True)
    if complaint.status not in OPEN_COMPLAINT_STATUSES:
        raise InvalidTransition(f"complaint {complaint_id} is already {complaint.status}")
    text = clean_text("resolution", resolution, required=True)
    moment = clean_datetime("at", at) or clock.now()
    complaint.status = ComplaintStatus.RESOLVED
    complaint.resolution = text
    complaint.resolved_at = moment
    if complaint.first_response_at is None:
        complaint.first_response_at = moment
    complaint.updated_at = clock.now()
    created: FollowUp | None = None
    if follow_up:
        days = follow_up_in_days if follow_up_in_days is not None else settings.complaint_follow_up_after_days
        created = lifecycle.add_follow_up(
            session,
            complaint.customer_id,
            clock.local_date(moment) + timedelta(days=days),
            FollowUpKind.COMPLAINT_FOLLOW_UP,
            f"Personal follow-up after resolving: {complaint.subject}"[:500],
            assignee=complaint.owner or staff_or_session(session),
            complaint_id=complaint.id,
        )
    session.flush()
    return complaint, created


def close_complaint(session: Session, complaint_id: int) -> Complaint:
    complaint = get_complaint(session, complaint_id, lock=True)
    if complaint.status == ComplaintStatus.CLOSED:
        raise InvalidTransition(f"complaint {complaint_id} is already closed")
    complaint.status = ComplaintStatus.CLOSED
    complaint.updated_at = clock.now()
    session.flush()
    return complaint
