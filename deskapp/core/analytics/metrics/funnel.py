"""The lifecycle funnel (customers per stage, conversion, time spent in each stage) and owner changes.

Conversion counts how far each customer ever got: someone who went straight to purchase has passed
awareness and consideration too. Time in a stage comes from consecutive stage changes of one customer;
only finished stays count (the current stage is still running), and a stay whose next change doesn't
start from the same stage (history imported out of order) is skipped rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import Period, fetch, median, raw
from deskapp.core.records import Customer, OwnerChange, Stage, StageChange

FUNNEL = (Stage.AWARENESS, Stage.CONSIDERATION, Stage.PURCHASE, Stage.RETENTION, Stage.ADVOCACY)
_RANK = case(*((col(StageChange.to_stage) == s, i) for i, s in enumerate(FUNNEL)), else_=-1)


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    customers: int  # in this stage now (archived customers left out)
    reached: int  # ever got this far (this stage or a later one)
    conversion: float | None  # share of those who reached this stage that reached the next (None: last step)
    median_days: float | None  # median finished stay in this stage, in days
    stays: int  # finished stays measured


@dataclass(frozen=True)
class Funnel:
    period: Period | None  # None: everyone; else the cohort who entered the desk in the period
    steps: tuple[FunnelStep, ...]
    churned: int  # churned now
    churned_ever: int


def _cohort(session: Session, period: Period | None) -> Select[int] | None:
    if period is None:
        return None
    entered: Select[int] = (
        select(col(StageChange.customer_id))
        .group_by(col(StageChange.customer_id))
        .having(func.min(col(StageChange.at)) >= period.start_moment, func.min(col(StageChange.at)) < period.end_moment)
    )
    return entered


def funnel(session: Session, period: Period | None = None) -> Funnel:
    cohort = _cohort(session, period)
    now_stmt = (
        select(col(Customer.stage), func.count()).where(col(Customer.archived).is_(False)).group_by(col(Customer.stage))
    )
    reach_stmt = select(
        col(StageChange.customer_id),
        func.max(_RANK),
        func.max(case((col(StageChange.to_stage) == Stage.CHURNED, 1), else_=0)),
    )
    current_rank = case(*((col(Customer.stage) == s, i) for i, s in enumerate(FUNNEL)), else_=-1)
    current_stmt = select(col(Customer.id), current_rank, case((col(Customer.stage) == Stage.CHURNED, 1), else_=0))
    if cohort is not None:
        now_stmt = now_stmt.where(col(Customer.id).in_(cohort))
        reach_stmt = reach_stmt.where(col(StageChange.customer_id).in_(cohort))
        current_stmt = current_stmt.where(col(Customer.id).in_(cohort))
    now = {str(stage): int(n) for stage, n in fetch(session, now_stmt)}
    best: dict[int, int] = {}
    churned_ever: set[int] = set()
    for cid, rank, churned in fetch(session, reach_stmt.group_by(col(StageChange.customer_id))):
        best[cid] = int(rank)
        if churned:
            churned_ever.add(cid)
    for cid, rank, churned in fetch(session, current_stmt):
        best[cid] = max(best.get(cid, -1), int(rank))
        if churned:
            churned_ever.add(cid)
    reached = [sum(1 for r in best.values() if r >= i) for i in range(len(FUNNEL))]
    durations = _stays(session, cohort)
    steps = []
    for i, stage in enumerate(FUNNEL):
        nxt = reached[i + 1] if i + 1 < len(FUNNEL) else None
        days = durations.get(str(stage), [])
        steps.append(
            FunnelStep(
                stage=str(stage),
                customers=now.get(str(stage), 0),
                reached=reached[i],
                conversion=(nxt / reached[i] if reached[i] else None) if nxt is not None else None,
                median_days=median(days),
                stays=len(days),
            )
        )
    return Funnel(period, tuple(steps), now.get(Stage.CHURNED.value, 0), len(churned_ever))


def _stays(session: Session, cohort: Any | None) -> dict[str, list[float]]:
    """Finished stays per stage in days: each change paired with the customer's next one (a window in SQL,
    so only the durations cross into Python), kept when the next change starts from the same stage."""
    partition, order = col(StageChange.customer_id), (col(StageChange.at), col(StageChange.id))
    inner = select(
        raw(session, col(StageChange.to_stage)).label("stage"),
        col(StageChange.at).label("at"),
        func.lead(col(StageChange.at)).over(partition_by=partition, order_by=order).label("next_at"),
        func.lead(raw(session, col(StageChange.from_stage)))
        .over(partition_by=partition, order_by=order)
        .label("next_from"),
    )
    if cohort is not None:
        inner = inner.where(col(StageChange.customer_id).in_(cohort))
    pairs = inner.subquery()
    if session.get_bind().dialect.name == "sqlite":
        days = func.julianday(pairs.c.next_at) - func.julianday(pairs.c.at)
    else:
        days = func.extract("epoch", pairs.c.next_at - pairs.c.at) / 86400
    out: dict[str, list[float]] = defaultdict(list)
    for stage, length in fetch(session, select(pairs.c.stage, days).where(pairs.c.next_from == pairs.c.stage)):
        out[str(stage)].append(float(length))
    return out


# --- owners ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerChangeCount:
    """How often a customer's owner changed: rotating staff breaks the relationship."""

    customer_id: int
    name: str
    owner: str
    changes: int
    last_change_at: datetime


def owner_changes(
    session: Session, period: Period | None = None, *, customer_id: int | None = None, limit: int = 50
) -> tuple[OwnerChangeCount, ...]:
    """Customers by number of owner changes (in the period, if given), most first."""
    stmt = (
        select(
            col(OwnerChange.customer_id),
            col(Customer.name),
            col(Customer.owner),
            func.count(),
            func.max(col(OwnerChange.at)),
        )
        .join(Customer, col(Customer.id) == col(OwnerChange.customer_id))
        .group_by(col(OwnerChange.customer_id), col(Customer.name), col(Customer.owner))
        .order_by(func.count().desc(), col(OwnerChange.customer_id))
        .limit(limit)
    )
    if period is not None:
        stmt = stmt.where(col(OwnerChange.at) >= period.start_moment, col(OwnerChange.at) < period.end_moment)
    if customer_id is not None:
        stmt = stmt.where(col(OwnerChange.customer_id) == customer_id)
    return tuple(OwnerChangeCount(cid, name, owner, int(n), at) for cid, name, owner, n, at in session.execute(stmt))
