"""The win-back rule: a churned or lapsed customer is worth a personal attempt, with why they left in hand.

Churned customers used to get no reminder ever again. Now each gets one win-back follow-up
`win_back_after_days` after they were marked churned (the note carries the churn reason and what was
said), and a lapsed buyer (silent past `lapsed_cycles` of their own rhythm, see metrics/lapsed.py) gets one
the same number of days after they lapsed. Keys name the occasion, so each loss gets one attempt.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.automation.plans import KEY_PREFIX, Plan
from deskapp.core.analytics.metrics.common import fetch, raw, utc
from deskapp.core.analytics.metrics.lapsed import lapsed_customers
from deskapp.core.records import Customer, FollowUpKind, Settings, Stage, StageChange, clock

REASON_WORDS = {
    "not_cared_for": "felt we did not care about them",
    "quality": "unhappy with the product or service",
    "competitor": "won by a competitor",
    "price": "price",
    "no_longer_needed": "no longer needed it",
    "other": "other reason",
}


def _churned(session: Session) -> list[tuple[int, str, date, str, str]]:
    """(id, owner, day churned, reason category, reason text) of each churned, unarchived customer."""
    latest = (
        select(col(StageChange.customer_id).label("cid"), func.max(col(StageChange.id)).label("sid"))
        .where(col(StageChange.to_stage) == Stage.CHURNED)
        .group_by(col(StageChange.customer_id))
        .subquery()
    )
    rows = fetch(
        session,
        select(
            col(Customer.id),
            col(Customer.owner),
            raw(session, col(StageChange.at)),
            raw(session, col(StageChange.churn_reason)),
            col(StageChange.reason),
        )
        .join(latest, latest.c.cid == col(Customer.id))
        .join(StageChange, col(StageChange.id) == latest.c.sid)
        .where(col(Customer.stage) == Stage.CHURNED)
        .where(col(Customer.archived).is_(False)),
    )
    return [
        (cid, owner, clock.local_date(utc(at)), str(category or "other"), text or "")
        for cid, owner, at, category, text in rows
    ]


def plan_win_backs(session: Session, today: date, settings: Settings, *, ahead_days: int = 0) -> list[Plan]:
    after = settings.win_back_after_days
    horizon = today + timedelta(days=ahead_days)
    plans = []
    for cid, owner, day, category, text in _churned(session):
        due = day + timedelta(days=after)
        if due > horizon:
            continue
        why = REASON_WORDS.get(category, category.replace("_", " "))
        said = f' ("{text}")' if text else ""
        note = (
            f"Win back: churned on {day.isoformat()}, reason: {why}{said}. Call personally: ask what would bring "
            "them back, and put right what made them leave."
        )
        key = f"{KEY_PREFIX}win-back:{cid}:{day.isoformat()}"
        plans.append(Plan("win_back", cid, max(due, today), FollowUpKind.WIN_BACK, note, key, owner))
    for lapsed in lapsed_customers(session, settings, today):
        due = lapsed.lapsed_on + timedelta(days=after)
        if due > horizon:
            continue
        note = (
            f"Win back: lapsed ({lapsed.reason}); last purchase {lapsed.last_purchase.isoformat()}. Call "
            "personally; if they have gone for good, mark them churned with the reason."
        )
        key = f"{KEY_PREFIX}win-back:{lapsed.customer_id}:lapsed:{lapsed.last_purchase.isoformat()}"
        plans.append(
            Plan("win_back", lapsed.customer_id, max(due, today), FollowUpKind.WIN_BACK, note, key, lapsed.owner)
        )
    return plans
