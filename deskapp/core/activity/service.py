"""What happens with a customer: interactions, complaints, follow-ups, purchases and referrals.

Every service validates all its fields first, then writes and applies the lifecycle rules in the
caller's transaction: either all of it lands or none of it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from deskapp.core.activity import feedback_loop
from deskapp.core.customers import lifecycle
from deskapp.core.customers.service import ensure_staff, get_customer
from deskapp.core.records import clock
from deskapp.core.records.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from deskapp.core.records.settings import Settings, load_settings
from deskapp.core.records.tables import (
    OPEN_COMPLAINT_STATUSES,
    PENDING_FOLLOW_UP_STATUSES,
    Channel,
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Customer,
    Direction,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Interaction,
    Priority,
    Purchase,
    Referral,
)
from deskapp.core.records.validation import (
    clean_date,
    clean_datetime,
    clean_enum,
    clean_int,
    clean_money,
    clean_text,
    clean_time,
)


def _staff(session: Session, given: str | None = None) -> str:
    return (given or "").strip() or str(session.info.get("staff") or "")


def _collect(*steps: Any) -> list[Any]:
    """Run each cleaner, gathering every field error instead of stopping at the first."""
    values, errors = [], []
    for step in steps:
        try:
            values.append(step())
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            values.append(None)
    if errors:
        raise ValidationFailed(errors)
    return values


# --- interactions ----------------------------------------------------------------------------------------------


def log_interaction(
    session: Session,
    customer_id: int,
    *,
    channel: Channel | str,
    summary: str = "",
    details: str = "",
    direction: Direction | str = Direction.OUT,
    occurred_at: datetime | str | None = None,
    staff: str | None = None,
    score: int | str | None = None,
    external_id: str | None = None,
) -> Interaction:
    """Log a call, e-mail, meeting, ... A 9-10 score (an NPS answer) can make the customer an advocate."""
    customer = get_customer(session, customer_id)
    kind, way, moment, text, more, answer, ext = _collect(
        lambda: clean_enum(Channel, "channel", channel),
        lambda: clean_enum(Direction, "direction", direction, default=Direction.OUT),
        lambda: clean_datetime("occurred_at", occurred_at) or clock.now(),
        lambda: clean_text("summary", summary, max_length=500),
        lambda: clean_text("details", details),
        lambda: clean_int("score", score, minimum=0, maximum=10),
        lambda: clean_text("external_id", external_id, max_length=200) or None,
    )
    if not text and not more:
        raise ValidationFailed.one("summary", summary, "say in a few words what happened")
    who = _staff(session, staff)
    interaction = Interaction(
        customer_id=customer_id,
        channel=kind,
        direction=way,
        occurred_at=moment,
        summary=text,
        details=more,
        staff=who,
        score=answer,
        external_id=ext,
        created_at=clock.now(),
    )
    session.add(interaction)
    session.flush()
    ensure_staff(session, who)
    lifecycle.after_interaction(session, customer, interaction)
    feedback_loop.after_feedback(session, customer, interaction, load_settings(session), open_case=open_complaint)
    return interaction


@dataclass(frozen=True)
class ContactWarning:
    contacts: int
    days: int
    message: str


def over_contact_warning(
    session: Session, customer_id: int, settings: Settings | None = None, now: datetime | None = None
) -> ContactWarning | None:
    """Too many contacts tire a customer out: warn when the outbound count in the window passes the limit."""
    settings = settings or load_settings(session)
    moment = now or clock.now()
    since = moment - timedelta(days=settings.over_contact_window_days)
    count = session.execute(
        select(func.count())
        .select_from(Interaction)
        .where(Interaction.customer_id == customer_id, Interaction.direction == Direction.OUT)
        .where(Interaction.occurred_at >= since, Interaction.occurred_at <= moment)
    ).scalar_one()
    if count < settings.over_contact_limit:
        return None
    days = settings.over_contact_window_days
    return ContactWarning(
        contacts=int(count),
        days=days,
        message=f"Already contacted {count} times in the last {days} days; another contact may tire them out.",
    )


# --- complaints --------------------------------------------------------------------------------------------------


def get_complaint(session: Session, complaint_id: int, *, lock: bool = False) -> Complaint:
    complaint = session.get(Complaint, complaint_id, with_for_update=lock)
    if complaint is None:
        raise NotFound("complaint", complaint_id)
    return complaint


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
    title, more, cat, prio, moment, ext = _collect(
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
        owner=_staff(session, owner) if owner is not None else customer.owner or _staff(session),
        external_id=ext,
        updated_at=clock.now(),
    )
    session.add(complaint)
    session.flush()
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
    values = _collect(*(lambda n=n: cleaners[n](fields[n]) for n in names))
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
            assignee=complaint.owner or _staff(session),
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


# --- follow-ups --------------------------------------------------------------------------------------------------


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
    (day, at), what, text, ext = _collect(
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
        assignee=(assignee or "").strip() or customer.owner or _staff(session),
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


# --- purchases and referrals --------------------------------------------------------------------------------------


def record_purchase(
    session: Session,
    customer_id: int,
    *,
    amount: Any,
    ordered_at: datetime | str | None = None,
    cost: Any = None,
    currency: str | None = None,
    description: str = "",
    external_id: str | None = None,
    settings: Settings | None = None,
) -> Purchase:
    """Record an order; the first makes the customer a buyer (thank-you, onboarding), a repeat one retained."""
    settings = settings or load_settings(session)
    customer = get_customer(session, customer_id)
    money, spent, moment, code, text, ext = _collect(
        lambda: clean_money("amount", amount, allow_negative=True),
        lambda: clean_money("cost", cost, required=False),
        lambda: clean_datetime("ordered_at", ordered_at) or clock.now(),
        lambda: _clean_currency(currency or settings.currency),
        lambda: clean_text("description", description, max_length=500),
        lambda: clean_text("external_id", external_id, max_length=200) or None,
    )
    purchase = Purchase(
        customer_id=customer_id,
        amount=money,
        cost=spent,
        ordered_at=moment,
        currency=code,
        description=text,
        external_id=ext,
        created_at=clock.now(),
    )
    session.add(purchase)
    session.flush()
    lifecycle.after_purchase(session, customer, purchase, settings)
    return purchase


def _clean_currency(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationFailed.one("currency", value, "must be a three-letter code such as EUR")
    return code


def record_referral(
    session: Session, referrer_id: int, referred_id: int, *, note: str = "", at: datetime | str | None = None
) -> Referral:
    """Customer A brought customer B: B's source becomes referral (if unknown), A becomes an advocate."""
    if referrer_id == referred_id:
        raise ValidationFailed.one("referred_id", referred_id, "a customer can't refer themselves")
    referrer = get_customer(session, referrer_id)
    referred = get_customer(session, referred_id)
    existing = session.execute(select(Referral).where(Referral.referred_id == referred_id)).scalars().first()
    if existing is not None:
        raise ValidationFailed.one(
            "referred_id", referred_id, f"was already referred by customer {existing.referrer_id}"
        )
    moment = clean_datetime("at", at) or clock.now()
    referral = Referral(
        referrer_id=referrer_id,
        referred_id=referred_id,
        at=moment,
        note=clean_text("note", note),
        staff=_staff(session),
    )
    session.add(referral)
    if not referred.source:
        referred.source = "referral"
        referred.version += 1
    session.flush()
    lifecycle.after_referral(session, referrer, moment)
    feedback_loop.after_referral(session, referrer, referred, load_settings(session), moment)
    return referral
