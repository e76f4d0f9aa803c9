"""Purchases and referrals: the events that move a customer to purchase, retention and advocacy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.activity import feedback_loop
from deskapp.core.activity.common import collect, staff_or_session
from deskapp.core.customers import get_customer, lifecycle
from deskapp.core.records import (
    Purchase,
    Referral,
    Settings,
    ValidationFailed,
    clean_datetime,
    clean_money,
    clean_text,
    clock,
    load_settings,
)


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
    money, spent, moment, code, text, ext = collect(
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
    existing = session.execute(select(Referral).where(col(Referral.referred_id) == referred_id)).scalars().first()
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
        staff=staff_or_session(session),
    )
    session.add(referral)
    if not referred.source:
        referred.source = "referral"
        referred.version += 1
    session.flush()
    lifecycle.after_referral(session, referrer, moment)
    feedback_loop.after_referral(session, referrer, referred, load_settings(session), moment)
    return referral
