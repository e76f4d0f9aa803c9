"""The at-risk rule: silence well past the customer's own interval, or a low BG/NBD P(alive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.automation.plans import (
    KEY_PREFIX,
    MIN_MODEL_CUSTOMERS,
    SUGGESTION,
    Plan,
    existing_keys,
)
from deskapp.core.analytics.metrics.common import BUYING_STAGES, fetch, raw
from deskapp.core.analytics.metrics.retention import Rhythm, purchase_rhythms
from deskapp.core.analytics.predict import ModelUnavailable, clv_model_from_log, purchase_log
from deskapp.core.records import (
    Customer,
    FollowUpKind,
    Settings,
    clock,
    load_settings,
)

# --- at risk ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtRiskCustomer:
    customer_id: int
    name: str
    owner: str
    stage: str
    last_purchase: date
    silence_days: int
    usual_interval_days: float | None  # their own mean gap between purchase days
    p_alive: float | None  # BG/NBD probability of still being a customer, when the model was fitted
    reason: str
    suggestion: str
    flagged: bool  # an at-risk check-in exists for this silence


def _p_alive(
    session: Session, today: date, min_customers: int
) -> tuple[dict[int, float], str | None, dict[int, Rhythm]]:
    """P(alive) per customer from the checked modified BG/NBD fit (or why it wasn't fitted), and the purchase
    rhythms read from the same log, so the interval rule needs no second pass over the purchases."""
    log = purchase_log(session, today)
    rhythms = {
        int(cid): Rhythm(date.fromordinal(int(first)), date.fromordinal(int(last)), int(x) + 1)
        for cid, first, last, x in zip(
            log.customer_ids.tolist(),
            log.first_day.tolist(),
            log.last_day.tolist(),
            log.frequency.tolist(),
            strict=True,
        )
    }
    try:
        model = clv_model_from_log(log, min_buyers=min_customers)
    except ModelUnavailable as exc:
        return {}, f"P(alive) rule skipped: {exc}", rhythms
    return dict(zip(log.customer_ids.tolist(), model.p_alive.tolist(), strict=True)), None, rhythms


def at_risk_customers(
    session: Session,
    today: date | None = None,
    settings: Settings | None = None,
    *,
    use_model: bool = True,
    min_model_customers: int = MIN_MODEL_CUSTOMERS,
) -> tuple[tuple[AtRiskCustomer, ...], tuple[str, ...]]:
    """Buying customers whose silence is well past their usual interval, or whose P(alive) is below the
    threshold; most overdue first. Returns the customers and notes on what was not evaluated."""
    today = today or clock.today()
    settings = settings or load_settings(session)
    factor, threshold = settings.at_risk_factor, settings.at_risk_alive_threshold
    notes: list[str] = []
    alive: dict[int, float] = {}
    if use_model:
        alive, why_not, rhythms = _p_alive(session, today, min_model_customers)
        if why_not:
            notes.append(why_not)
    else:
        rhythms = purchase_rhythms(session, before=clock.as_moment(today + timedelta(days=1)))
    flagged = existing_keys(session, f"{KEY_PREFIX}at-risk:")
    found = []
    for cid, name, owner, stage in fetch(
        session,
        select(col(Customer.id), col(Customer.name), col(Customer.owner), raw(session, col(Customer.stage)))
        .where(col(Customer.archived).is_(False))
        .where(col(Customer.stage).in_(BUYING_STAGES)),
    ):
        rhythm = rhythms.get(cid)
        if rhythm is None:
            continue
        silence = (today - rhythm.last_day).days
        usual = rhythm.interval
        reasons = []
        if usual and silence > factor * usual:
            reasons.append(
                f"no purchase for {silence} days, {silence / usual:.1f}x their usual {usual:.0f}-day interval"
            )
        p = alive.get(cid)
        if p is not None and p < threshold:
            reasons.append(f"probability still a customer {p:.0%} (under {threshold:.0%})")
        if not reasons:
            continue
        found.append(
            AtRiskCustomer(
                customer_id=cid,
                name=name,
                owner=owner,
                stage=str(stage),
                last_purchase=rhythm.last_day,
                silence_days=silence,
                usual_interval_days=usual,
                p_alive=p,
                reason="; ".join(reasons),
                suggestion=SUGGESTION,
                flagged=_at_risk_key(cid, rhythm.last_day) in flagged,
            )
        )
    found.sort(key=lambda c: (-(c.silence_days / c.usual_interval_days if c.usual_interval_days else 0), c.customer_id))
    return tuple(found), tuple(notes)


def _at_risk_key(customer_id: int, last_purchase: date) -> str:
    return f"{KEY_PREFIX}at-risk:{customer_id}:{last_purchase.isoformat()}"


def plan_at_risk(
    session: Session, today: date, settings: Settings, *, use_model: bool, min_model_customers: int
) -> tuple[list[Plan], tuple[str, ...]]:
    customers, notes = at_risk_customers(
        session, today, settings, use_model=use_model, min_model_customers=min_model_customers
    )
    owners = dict(
        session.execute(
            select(col(Customer.id), col(Customer.owner)).where(
                col(Customer.id).in_([c.customer_id for c in customers])
            )
        ).all()
    )
    plans = [
        Plan(
            "at_risk",
            c.customer_id,
            today,
            FollowUpKind.CHECK_IN,
            f"At risk: {c.reason}. {c.suggestion}",
            _at_risk_key(c.customer_id, c.last_purchase),
            owners.get(c.customer_id, ""),
        )
        for c in customers
        if not c.flagged
    ]
    return plans, notes
