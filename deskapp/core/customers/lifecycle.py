"""Lifecycle stages, their history, and the rules that move customers and create reminders.

A stage can move in any direction (customers drift back and forth); every move is a `StageChange` with
its reason, marked automatic when a rule made it. The rules here are the ones that follow from a single
event (a purchase, a referral, a feedback score); sweeps over the whole desk live in `reminders`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from deskapp.core.customers.lookup import get_customer
from deskapp.core.db import staff_of
from deskapp.core.records import (
    ChurnReason,
    Customer,
    FollowUp,
    FollowUpKind,
    Interaction,
    Purchase,
    Settings,
    Stage,
    StageChange,
    ValidationFailed,
    clean_enum,
    clean_text,
    clock,
    id_of,
)

PRE_PURCHASE = (Stage.AWARENESS, Stage.CONSIDERATION)
# Stages a repeat purchase moves to retention, and stages a 9-10 score moves to advocacy (the importer
# applies the same rules set-wise, from these same sets).
REPEAT_PURCHASE_FROM = (*PRE_PURCHASE, Stage.PURCHASE, Stage.CHURNED)
ADVOCACY_BY_SCORE_FROM = (Stage.PURCHASE, Stage.RETENTION)


def record_initial_stage(session: Session, customer: Customer, *, at: datetime, reason: str = "") -> StageChange:
    change = StageChange(
        customer_id=id_of(customer),
        from_stage=None,
        to_stage=customer.stage,
        at=at,
        reason=reason or "customer created",
        staff=staff_of(session),
        automatic=True,
    )
    session.add(change)
    session.flush()
    return change


def change_stage(
    session: Session,
    customer_id: int,
    to: Stage | str,
    *,
    reason: str,
    churn_reason: ChurnReason | str | None = None,
    automatic: bool = False,
    at: datetime | None = None,
) -> StageChange | None:
    """Move a customer to a stage, recording why; None when they are already there.

    Churned needs a reason category (what the churn report counts); every change needs a reason text.
    """
    target = clean_enum(Stage, "stage", to)
    why = clean_text("reason", reason, required=True, max_length=2000)
    category: ChurnReason | None = None
    if target == Stage.CHURNED:
        if churn_reason is None or str(churn_reason).strip() == "":
            raise ValidationFailed.one("churn_reason", churn_reason, "is required when a customer is churned")
        category = clean_enum(ChurnReason, "churn_reason", churn_reason)
    customer = get_customer(session, customer_id)
    if customer.stage == target:
        return None
    moment = at or clock.now()
    change = StageChange(
        customer_id=customer_id,
        from_stage=customer.stage,
        to_stage=target,
        at=moment,
        reason=why,
        churn_reason=category,
        staff=staff_of(session),
        automatic=automatic,
    )
    customer.stage = target
    customer.version += 1
    customer.updated_at = clock.now()
    session.add(change)
    session.flush()
    return change


def stage_history(session: Session, customer_id: int) -> list[StageChange]:
    """A customer's stage changes, oldest first."""
    return list(
        session.execute(
            select(StageChange)
            .where(col(StageChange.customer_id) == customer_id)
            .order_by(col(StageChange.at), col(StageChange.id))
        ).scalars()
    )


def effective_cadence(customer: Customer, settings: Settings) -> int | None:
    """The customer's own check-in cadence, else the default for their stage (None: no check-ins)."""
    return customer.cadence_days or settings.cadence_for(str(customer.stage))


def creates_follow_ups(event_at: datetime, settings: Settings, now: datetime | None = None) -> bool:
    """History imports don't flood the desk: events older than the window create no reminders."""
    return (now or clock.now()) - event_at <= timedelta(days=settings.history_window_days)


def add_follow_up(
    session: Session,
    customer_id: int,
    due: date,
    kind: FollowUpKind,
    note: str,
    *,
    assignee: str = "",
    automatic: bool = True,
    **links: Any,
) -> FollowUp:
    follow_up = FollowUp(
        customer_id=customer_id,
        due_date=due,
        kind=kind,
        note=note,
        assignee=assignee,
        automatic=automatic,
        created_at=clock.now(),
        **links,
    )
    session.add(follow_up)
    return follow_up


# --- event rules ---------------------------------------------------------------------------------------------


def after_purchase(session: Session, customer: Customer, purchase: Purchase, settings: Settings) -> None:
    """First purchase: stage purchase, a thank-you and onboarding check-ins. A repeat purchase: retention."""
    assert customer.id is not None and purchase.id is not None
    earlier = session.execute(
        select(func.count())
        .select_from(Purchase)
        .where(col(Purchase.customer_id) == customer.id, col(Purchase.id) != purchase.id)
        .where(col(Purchase.ordered_at) <= purchase.ordered_at)
    ).scalar_one()
    first = earlier == 0
    if first and customer.stage in PRE_PURCHASE:
        change_stage(
            session, customer.id, Stage.PURCHASE, reason="first purchase", automatic=True, at=purchase.ordered_at
        )
    elif not first and customer.stage in REPEAT_PURCHASE_FROM:
        change_stage(
            session, customer.id, Stage.RETENTION, reason="repeat purchase", automatic=True, at=purchase.ordered_at
        )
    if not creates_follow_ups(purchase.ordered_at, settings):
        return
    day = clock.local_date(purchase.ordered_at)
    owner = customer.owner
    add_follow_up(
        session,
        customer.id,
        day + timedelta(days=settings.thank_you_after_days),
        FollowUpKind.THANK_YOU,
        f"Thank them for their order{': ' + purchase.description if purchase.description else ''}",
        assignee=owner,
        purchase_id=purchase.id,
    )
    if first:
        for offset in settings.onboarding_days:
            add_follow_up(
                session,
                customer.id,
                day + timedelta(days=offset),
                FollowUpKind.ONBOARDING,
                f"Onboarding check-in, day {offset} after the first order: how is it going?",
                assignee=owner,
                purchase_id=purchase.id,
            )
    session.flush()


def after_interaction(session: Session, customer: Customer, interaction: Interaction) -> None:
    """A 9-10 feedback score makes a buying customer an advocate."""
    assert customer.id is not None
    if interaction.score is not None and interaction.score >= 9 and customer.stage in ADVOCACY_BY_SCORE_FROM:
        change_stage(
            session,
            customer.id,
            Stage.ADVOCACY,
            reason=f"feedback score {interaction.score}",
            automatic=True,
            at=interaction.occurred_at,
        )


def after_referral(session: Session, referrer: Customer, at: datetime) -> None:
    """Whoever brings us a customer is an advocate."""
    assert referrer.id is not None
    if referrer.stage != Stage.ADVOCACY:
        change_stage(session, referrer.id, Stage.ADVOCACY, reason="referred a customer", automatic=True, at=at)


def last_contact_at(session: Session, customer_id: int) -> datetime | None:
    return session.execute(
        select(func.max(col(Interaction.occurred_at))).where(col(Interaction.customer_id) == customer_id)
    ).scalar_one_or_none()
