"""Net Promoter Score from the 0-10 answers logged on interactions.

NPS = % promoters (9-10) - % detractors (0-6), from -100 to 100. Each customer counts once per period, with
their latest answer: a customer asked twice shouldn't weigh twice, and their latest view is the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Label, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import Period, months_in
from deskapp.core.records import Interaction


@dataclass(frozen=True)
class NpsFigures:
    period: Period
    respondents: int
    promoters: int
    passives: int
    detractors: int
    score: float | None  # -100..100; None without answers


def nps_from_scores(period: Period, scores: list[int]) -> NpsFigures:
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    passives = len(scores) - promoters - detractors
    value = (promoters - detractors) / len(scores) * 100 if scores else None
    return NpsFigures(period, len(scores), promoters, passives, detractors, value)


def latest_answer_first() -> Label[int]:
    """`n`: 1 for each customer's latest answer (by time, then id), 2 for the one before, ..."""
    rank = func.row_number().over(
        partition_by=col(Interaction.customer_id),
        order_by=(col(Interaction.occurred_at).desc(), col(Interaction.id).desc()),
    )
    return rank.label("n")


def net_promoter_score(session: Session, period: Period) -> NpsFigures:
    latest = (
        select(
            col(Interaction.score),
            latest_answer_first(),
        )
        .where(col(Interaction.score).is_not(None))
        .where(col(Interaction.occurred_at) >= period.start_moment, col(Interaction.occurred_at) < period.end_moment)
        .subquery()
    )
    scores = [int(s) for (s,) in session.execute(select(latest.c.score).where(latest.c.n == 1))]
    return nps_from_scores(period, scores)


def nps_by_month(session: Session, period: Period) -> tuple[NpsFigures, ...]:
    """NPS month by month (the "NPS over time" chart); months without answers have score None."""
    return tuple(net_promoter_score(session, month) for month in months_in(period))
