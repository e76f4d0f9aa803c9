"""Opening a complaint case: kept apart from the rest of the complaint services so that logging an
interaction (whose 0-2 feedback score opens a case, see feedback_loop) doesn't import the services that
log interactions themselves."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from deskapp.core.activity.common import collect, staff_or_session
from deskapp.core.customers import get_customer
from deskapp.core.records import (
    Complaint,
    ComplaintCategory,
    Priority,
    Settings,
    clean_datetime,
    clean_enum,
    clean_text,
    clock,
    load_settings,
)


def open_complaint(
    session: Session,
    customer_id: int,
    *,
    subject: str,
    details: str = "",
    category: ComplaintCategory | str = ComplaintCategory.OTHER,
    priority: Priority | str = Priority.NORMAL,
    owner: str | None = None,
    opened_at: datetime | str | None = None,
    settings: Settings | None = None,
    external_id: str | None = None,
) -> Complaint:
    """Open a case; its first-response deadline follows from the priority (a business setting)."""
    settings = settings or load_settings(session)
    customer = get_customer(session, customer_id)
    title, more, cat, prio, moment, ext = collect(
        lambda: clean_text("subject", subject, required=True, max_length=500),
        lambda: clean_text("details", details),
        lambda: clean_enum(ComplaintCategory, "category", category, default=ComplaintCategory.OTHER),
        lambda: clean_enum(Priority, "priority", priority, default=Priority.NORMAL),
        lambda: clean_datetime("opened_at", opened_at) or clock.now(),
        lambda: clean_text("external_id", external_id, max_length=200) or None,
    )
    hours = settings.first_response_hours.get(str(prio), 48)
    complaint = Complaint(
        customer_id=customer_id,
        subject=title,
        details=more,
        category=cat,
        priority=prio,
        opened_at=moment,
        first_response_due=moment + timedelta(hours=hours),
        owner=staff_or_session(session, owner) if owner is not None else customer.owner or staff_or_session(session),
        external_id=ext,
        updated_at=clock.now(),
    )
    session.add(complaint)
    session.flush()
    return complaint
