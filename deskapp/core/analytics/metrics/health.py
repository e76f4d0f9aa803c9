"""A health score per customer, 0 (needs attention now) to 100 (all well), with the parts it is made of.

The parts, each 0-100, and their weights:
- recency (0.40): days since the last purchase against the customer's own usual interval (the business's
  typical interval for one-time buyers): 100 up to one interval, falling to 0 at `at_risk_factor` intervals,
  the point where automation flags them as at risk;
- complaints (0.25): 100 with no open complaint, 50 with one, 0 with two or more;
- feedback (0.20): the latest 0-10 answer in the last year x 10;
- contact (0.15): days since the last contact against the check-in cadence: 100 within one cadence,
  0 at two.
A part that doesn't apply (never bought, never answered, no cadence) is left out and the others are
re-weighted, so a new lead isn't punished for having no history.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations
from sqlmodel import col

from deskapp.core.analytics.metrics.common import fetch, median, raw, utc
from deskapp.core.analytics.metrics.feedback import latest_answer_first
from deskapp.core.analytics.metrics.retention import Rhythm, purchase_interval, purchase_rhythms
from deskapp.core.records import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    Customer,
    Interaction,
    Purchase,
    Settings,
    Stage,
    clock,
)

WEIGHTS = {"recency": 0.40, "complaints": 0.25, "feedback": 0.20, "contact": 0.15}
FEEDBACK_WINDOW_DAYS = 365
_Row = TypeVarTuple("_Row")


@dataclass(frozen=True)
class HealthPart:
    name: str  # recency, complaints, feedback, contact
    score: float | None  # 0-100, None when it doesn't apply
    weight: float
    detail: str  # in words, for the customer screen


@dataclass(frozen=True)
class HealthScore:
    customer_id: int
    name: str
    score: int  # 0-100
    parts: tuple[HealthPart, ...]


def _falling(ratio: float, zero_at: float) -> float:
    """100 up to ratio 1, then linearly down to 0 at `zero_at`."""
    if ratio <= 1:
        return 100.0
    if zero_at <= 1:
        return 0.0
    return max(0.0, 100.0 * (zero_at - ratio) / (zero_at - 1))


@dataclass(frozen=True)
class _Inputs:
    customer_id: int
    name: str
    stage: str
    cadence_days: int | None
    created_at: datetime
    rhythm: Rhythm | None
    open_complaints: int
    latest_score: int | None
    last_contact: datetime | None


def _numbers(
    inputs: _Inputs, today: date, settings: Settings, typical: float | None
) -> tuple[float | None, float, float | None, float | None, int | None, float | None, int | None, int | None]:
    """The four part scores (recency, complaints, feedback, contact) and what the words need, without
    building any text: ranking 100,000 customers needs the numbers only."""
    rhythm = inputs.rhythm
    usual = (rhythm.interval if rhythm else None) or typical
    recency = silence = None
    if rhythm is not None and usual:
        silence = (today - rhythm.last_day).days
        recency = _falling(silence / usual, settings.at_risk_factor)
    complaints = max(0.0, 100.0 - 50.0 * inputs.open_complaints)
    feedback = inputs.latest_score * 10.0 if inputs.latest_score is not None else None
    cadence = inputs.cadence_days or settings.cadence_for(inputs.stage)
    contact = gap = None
    if cadence:
        gap = (today - clock.local_date(inputs.last_contact or inputs.created_at)).days
        contact = _falling(gap / cadence, 2.0)
    return recency, complaints, feedback, contact, silence, usual, gap, cadence


_W_RECENCY, _W_COMPLAINTS, _W_FEEDBACK, _W_CONTACT = WEIGHTS.values()


def _total(parts: tuple[float | None, ...]) -> int:
    """The weighted mean of the parts that apply (written out: it runs once per customer)."""
    recency, complaints, feedback, contact = parts[:4]
    weight = _W_COMPLAINTS
    value = _W_COMPLAINTS * complaints  # type: ignore[operator]  # the complaints part always applies
    if recency is not None:
        weight += _W_RECENCY
        value += _W_RECENCY * recency
    if feedback is not None:
        weight += _W_FEEDBACK
        value += _W_FEEDBACK * feedback
    if contact is not None:
        weight += _W_CONTACT
        value += _W_CONTACT * contact
    return round(value / weight)


def score_parts(inputs: _Inputs, today: date, settings: Settings, typical_interval: float | None) -> HealthScore:
    """The score with each part in words, for the customer screen."""
    recency, complaints, feedback, contact, silence, usual, gap, cadence = _numbers(
        inputs, today, settings, typical_interval
    )
    rhythm = inputs.rhythm
    if recency is None:
        recency_words = "no purchase rhythm yet"
    else:
        own = "their" if rhythm and rhythm.interval else "the typical"
        recency_words = f"last purchase {silence} days ago; {own} interval is {usual:.0f} days"
    what = "last contact" if inputs.last_contact else "no contact yet; added"
    parts = (
        HealthPart("recency", recency, WEIGHTS["recency"], recency_words),
        HealthPart("complaints", complaints, WEIGHTS["complaints"], f"{inputs.open_complaints} open complaint(s)"),
        HealthPart(
            "feedback",
            feedback,
            WEIGHTS["feedback"],
            f"latest score {inputs.latest_score}/10" if feedback is not None else "no feedback score in the last year",
        ),
        HealthPart(
            "contact",
            contact,
            WEIGHTS["contact"],
            f"{what} {gap} days ago; cadence {cadence}" if contact is not None else "no check-in cadence",
        ),
    )
    return HealthScore(inputs.customer_id, inputs.name, _total((recency, complaints, feedback, contact)), parts)


def _inputs(
    session: Session, today: date, customer_ids: list[int] | None, rhythms: dict[int, Rhythm] | None = None
) -> list[_Inputs]:
    def scoped(stmt: Select[*_Row], column: SQLCoreOperations[Any]) -> Select[*_Row]:
        return stmt.where(column.in_(customer_ids)) if customer_ids is not None else stmt

    customers = fetch(
        session,
        scoped(
            select(
                col(Customer.id),
                col(Customer.name),
                raw(session, col(Customer.stage)),
                col(Customer.cadence_days),
                raw(session, col(Customer.created_at)),
            ).where(
                col(Customer.archived).is_(False),
                col(Customer.stage) != Stage.CHURNED,
            ),
            col(Customer.id),
        ),
    )
    if rhythms is None:
        rhythms = purchase_rhythms(session, customer_ids=customer_ids)
    complaints = dict(
        fetch(
            session,
            scoped(
                select(col(Complaint.customer_id), func.count())
                .where(col(Complaint.status).in_(OPEN_COMPLAINT_STATUSES))
                .group_by(col(Complaint.customer_id)),
                col(Complaint.customer_id),
            ),
        )
    )
    since = clock.as_moment(today - timedelta(days=FEEDBACK_WINDOW_DAYS))
    latest = select(
        col(Interaction.customer_id),
        col(Interaction.score),
        latest_answer_first(),
    ).where(col(Interaction.score).is_not(None), col(Interaction.occurred_at) >= since)
    latest_sq = scoped(latest, col(Interaction.customer_id)).subquery()
    scores = dict(fetch(session, select(latest_sq.c.customer_id, latest_sq.c.score).where(latest_sq.c.n == 1)))
    contacts = dict(
        fetch(
            session,
            scoped(
                select(col(Interaction.customer_id), func.max(raw(session, col(Interaction.occurred_at)))).group_by(
                    col(Interaction.customer_id)
                ),
                col(Interaction.customer_id),
            ),
        )
    )
    return [
        _Inputs(
            cid,
            name,
            str(stage),
            cadence,
            utc(created),
            rhythms.get(cid),
            int(complaints.get(cid, 0)),
            scores.get(cid),
            utc(contacts[cid]) if cid in contacts else None,
        )
        for cid, name, stage, cadence, created in customers
    ]


def customer_health(
    session: Session,
    customer_id: int,
    settings: Settings,
    today: date | None = None,
    *,
    typical_interval: float | None = None,
) -> HealthScore | None:
    """One customer's health (None for archived or churned customers).

    The business's typical interval (a whole-desk aggregate) is only needed for a customer without a rhythm
    of their own, and is then remembered while the purchase table is unchanged (see `_typical_interval`);
    a screen can also pass it in.
    """
    day = today or clock.today()
    found = _inputs(session, day, [customer_id])
    if not found:
        return None
    rhythm = found[0].rhythm
    typical = typical_interval
    if typical is None and (rhythm is None or rhythm.interval is None):
        typical = _typical_interval(session)
    return score_parts(found[0], day, settings, typical)


_TYPICAL: weakref.WeakKeyDictionary[Any, tuple[int, int, float | None]] = weakref.WeakKeyDictionary()


def _typical_interval(session: Session) -> float | None:
    """`purchase_interval(...).typical_days`, remembered per engine while its purchases' count and highest
    id stay the same (two cheap lookups instead of a pass over every purchase)."""
    count, top = session.execute(select(func.count(), func.max(col(Purchase.id)))).one()
    engine = session.get_bind()
    known = _TYPICAL.get(engine)
    if known is not None and known[:2] == (int(count), int(top or 0)):
        return known[2]
    typical = purchase_interval(session).typical_days
    _TYPICAL[engine] = (int(count), int(top or 0), typical)
    return typical


def attention_list(
    session: Session, settings: Settings, today: date | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[HealthScore, ...]:
    """Active customers by health, lowest first: who needs attention first."""
    day = today or clock.today()
    rhythms = purchase_rhythms(session)
    typical = median(r.interval for r in rhythms.values() if r.interval is not None)
    everyone = _inputs(session, day, None, rhythms)
    ranked = sorted(
        ((_total(_numbers(i, day, settings, typical)), i.customer_id, i) for i in everyone),
        key=lambda item: (item[0], item[1]),
    )
    return tuple(score_parts(i, day, settings, typical) for _, _, i in ranked[offset : offset + limit])
