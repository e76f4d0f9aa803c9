"""Interactions: calls, e-mails, visits and notes logged with a customer, and the over-contact warning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from deskapp.core.activity.common import collect, staff_or_session
from deskapp.core.activity.feedback_loop import after_feedback
from deskapp.core.customers import ensure_staff, get_customer, lifecycle
from deskapp.core.records import (
    Channel,
    Direction,
    Interaction,
    Settings,
    ValidationFailed,
    clean_datetime,
    clean_enum,
    clean_int,
    clean_text,
    clock,
    load_settings,
)


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
    kind, way, moment, text, more, answer, ext = collect(
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
    who = staff_or_session(session, staff)
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
    after_feedback(session, customer, interaction, load_settings(session))
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
        .where(col(Interaction.customer_id) == customer_id, col(Interaction.direction) == Direction.OUT)
        .where(col(Interaction.occurred_at) >= since, col(Interaction.occurred_at) <= moment)
    ).scalar_one()
    if count < settings.over_contact_limit:
        return None
    days = settings.over_contact_window_days
    return ContactWarning(
        contacts=int(count),
        days=days,
        message=f"Already contacted {count} times in the last {days} days; another contact may tire them out.",
    )
