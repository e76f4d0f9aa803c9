"""Who is a customer when: acquisition, loss and return, and the retention and churn figures built on it.

A person becomes a customer at their first purchase (or the first time their stage became purchase,
retention or advocacy, for desks that track stages without orders). They are lost when their stage moves
to churned, and back when it moves out of churned again. From that one history the figures follow:

- retention rate over a period = (E - N) / S x 100 (S at the start, E at the end, N gained in between),
  where a customer from the start who is *lapsed* at the end (silent past `lapsed_cycles` of their own
  purchase cycle, see `lapsed.py`) is not counted as kept, marked churned or not;
- churn rate = customers at the start who were lost during the period / S;
- the typical purchase interval, and a measuring period that covers three purchase cycles.

Acquisition times are kept sorted so "how many customers at instant t" is a bisection plus a pass over
the (few) customers who ever churned: the figures take milliseconds once the facts are read.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import (
    BUYING_STAGES,
    Period,
    as_date,
    day_expr,
    fetch,
    grouped,
    median,
    months_in,
    raw,
    scanned,
    utc,
)
from deskapp.core.records import ChurnReason, Customer, Purchase, Stage, StageChange, load_settings

# --- the facts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecycleFacts:
    """When each customer was acquired, and their churn (True) / return (False) events in time order."""

    acquired: dict[int, datetime]
    events: dict[int, tuple[tuple[datetime, bool], ...]]
    acquired_sorted: tuple[datetime, ...]

    def is_customer(self, customer_id: int, moment: datetime) -> bool:
        """Acquired before `moment` and not lost at it."""
        start = self.acquired.get(customer_id)
        if start is None or start >= moment:
            return False
        return not self.is_lost(customer_id, moment)

    def is_lost(self, customer_id: int, moment: datetime) -> bool:
        state = False
        for at, churned in self.events.get(customer_id, ()):
            if at >= moment:
                break
            state = churned
        return state

    def customers_at(self, moment: datetime) -> int:
        acquired = bisect.bisect_left(self.acquired_sorted, moment)
        lost = sum(1 for cid in self.events if self.acquired.get(cid, moment) < moment and self.is_lost(cid, moment))
        return acquired - lost

    def customers_set(self, moment: datetime) -> set[int]:
        """Everyone who is a customer at `moment`, as a set (for per-customer flags in bulk)."""
        found = {cid for cid, start in self.acquired.items() if start < moment}
        found.difference_update(cid for cid in self.events if cid in found and self.is_lost(cid, moment))
        return found

    def acquired_in(self, period: Period) -> int:
        lo = bisect.bisect_left(self.acquired_sorted, period.start_moment)
        hi = bisect.bisect_left(self.acquired_sorted, period.end_moment)
        return hi - lo

    def lost_in(self, customer_id: int, period: Period) -> bool:
        """A customer at the start of the period who churned during it."""
        if not self.is_customer(customer_id, period.start_moment):
            return False
        return any(
            churned and period.start_moment <= at < period.end_moment for at, churned in self.events[customer_id]
        )


def lifecycle_facts(session: Session) -> LifecycleFacts:
    """Read acquisition and churn history for every customer (archived ones too: history is history)."""
    acquired: dict[int, datetime] = {}

    def keep_earliest(rows: Iterable[Any]) -> None:
        for cid, raw_at in rows:
            if raw_at is None:
                continue
            at = utc(raw_at)
            if cid not in acquired or at < acquired[cid]:
                acquired[cid] = at

    keep_earliest(
        fetch(
            session,
            select(col(Purchase.customer_id), func.min(raw(session, col(Purchase.ordered_at)))).group_by(
                col(Purchase.customer_id)
            ),
        )
    )
    keep_earliest(
        fetch(
            session,
            select(col(StageChange.customer_id), func.min(raw(session, col(StageChange.at))))
            .where(col(StageChange.to_stage).in_(BUYING_STAGES))
            .group_by(col(StageChange.customer_id)),
        )
    )
    # Buying customers written straight into the table (no orders, no history): acquired when created.
    keep_earliest(
        fetch(
            session,
            select(col(Customer.id), raw(session, col(Customer.created_at)))
            .where(col(Customer.stage).in_(BUYING_STAGES))
            .where(~exists().where(col(Purchase.customer_id) == col(Customer.id)))
            .where(~exists().where(col(StageChange.customer_id) == col(Customer.id))),
        )
    )
    events: dict[int, list[tuple[datetime, int, bool]]] = {}
    churned, stage_from = Stage.CHURNED, col(StageChange.from_stage)
    for cid, raw_at, sid, to_stage in fetch(
        session,
        select(
            col(StageChange.customer_id),
            raw(session, col(StageChange.at)),
            col(StageChange.id),
            raw(session, col(StageChange.to_stage)),
        ).where(
            or_(col(StageChange.to_stage) == churned, and_(stage_from == churned, col(StageChange.to_stage) != churned))
        ),
    ):
        events.setdefault(cid, []).append((utc(raw_at), sid, str(to_stage) == churned.value))
    for cid, raw_at in fetch(
        session,
        select(col(Customer.id), raw(session, col(Customer.updated_at)))
        .where(col(Customer.stage) == churned)
        .where(~exists().where(col(StageChange.customer_id) == col(Customer.id), col(StageChange.to_stage) == churned)),
    ):
        events.setdefault(cid, []).append((utc(raw_at), 0, True))
    ordered = {cid: tuple((at, flag) for at, _, flag in sorted(evs)) for cid, evs in events.items()}
    return LifecycleFacts(acquired=acquired, events=ordered, acquired_sorted=tuple(sorted(acquired.values())))


# --- retention and churn ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionFigures:
    """(E - N) / S x 100 over `period`; `rate` is None when there were no customers at the start."""

    period: Period
    at_start: int  # S
    at_end: int  # E
    new: int  # N
    rate: float | None  # percent
    lapsed: int = 0  # customers from the start still in E but lapsed at the end: counted out of the rate
    lapsed_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChurnFigures:
    period: Period
    at_start: int
    lost: int  # customers at the start who were moved to churned during the period
    rate: float | None  # share, 0..1
    won_back: int = 0  # customers moved out of churned again during the period (a win-back that worked)

    def yearly_rate(self) -> float | None:
        """The rate scaled linearly to 365 days (what the simple CLV's expected lifetime needs)."""
        return None if self.rate is None else self.rate * 365 / self.period.days


def retention_from(facts: LifecycleFacts, period: Period) -> RetentionFigures:
    s = facts.customers_at(period.start_moment)
    e = facts.customers_at(period.end_moment)
    n = facts.acquired_in(period)
    return RetentionFigures(period, s, e, n, (e - n) / s * 100 if s else None)


def retention_rate(session: Session, period: Period, *, lapsed_cycles: float | None = None) -> RetentionFigures:
    """(E - N - lapsed) / S x 100: customers from the start who are lapsed at the end are not kept.
    `lapsed_cycles` defaults to the desk's setting."""
    facts = lifecycle_facts(session)
    plain = retention_from(facts, period)
    if not plain.at_start:
        return plain
    cycles = load_settings(session).lapsed_cycles if lapsed_cycles is None else lapsed_cycles
    kept = facts.customers_set(period.start_moment) & facts.customers_set(period.end_moment)
    rhythms = purchase_rhythms(session, before=period.end_moment)
    lapsed = tuple(sorted(lapsed_ids(rhythms, kept, period.end, cycles)))
    e, n, s = plain.at_end, plain.new, plain.at_start
    return RetentionFigures(period, s, e, n, (e - n - len(lapsed)) / s * 100, len(lapsed), lapsed)


def retention_by_month(session: Session, period: Period) -> tuple[RetentionFigures, ...]:
    """Retention month by month (each month clipped to the period): the retention chart's bars."""
    facts = lifecycle_facts(session)
    return tuple(retention_from(facts, month) for month in months_in(period))


def churn_from(facts: LifecycleFacts, period: Period) -> ChurnFigures:
    s = facts.customers_at(period.start_moment)
    lost = sum(1 for cid in facts.events if facts.lost_in(cid, period))
    won = sum(
        1
        for evs in facts.events.values()
        if any(not churned and period.start_moment <= at < period.end_moment for at, churned in evs)
    )
    return ChurnFigures(period, s, lost, lost / s if s else None, won)


def churn_rate(session: Session, period: Period) -> ChurnFigures:
    return churn_from(lifecycle_facts(session), period)


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    customers: int
    share: float | None  # of all churn events in the period, 0..1


def churn_reasons(session: Session, period: Period) -> tuple[ReasonCount, ...]:
    """Why customers were lost in the period: every reason category (zeros included, so charts are stable),
    most frequent first. One customer lost twice counts twice: each loss had its own reason."""
    counts = Counter(
        str(reason)
        for (reason,) in session.execute(
            select(col(StageChange.churn_reason))
            .where(col(StageChange.to_stage) == Stage.CHURNED)
            .where(col(StageChange.at) >= period.start_moment, col(StageChange.at) < period.end_moment)
        )
        if reason is not None
    )
    total = sum(counts.values())
    rows = [
        ReasonCount(r.value, counts.get(r.value, 0), counts.get(r.value, 0) / total if total else None)
        for r in ChurnReason
    ]
    return tuple(sorted(rows, key=lambda row: -row.customers))


# --- purchase rhythm ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rhythm:
    """One customer's purchase days: first, last and how many distinct days they bought on."""

    first_day: date
    last_day: date
    days: int

    @property
    def interval(self) -> float | None:
        """Their usual gap in days between purchase days (the mean), None for a one-day buyer."""
        return (self.last_day - self.first_day).days / (self.days - 1) if self.days > 1 else None


def typical_interval(rhythms: dict[int, Rhythm]) -> float | None:
    """The business's usual gap: the median of the repeat buyers' own mean gaps."""
    return median([r.interval for r in rhythms.values() if r.interval is not None])


def lapse_of(rhythm: Rhythm, typical: float | None, as_of: date, cycles: float) -> tuple[float, bool, date] | None:
    """(cycle, own cycle?, day they lapsed) when the silence on `as_of` has passed `cycles` cycles, else None.
    A one-time buyer has no cycle of their own: the business's typical one stands in."""
    own = rhythm.interval
    cycle = own if own else typical
    if not cycle:
        return None
    lapsed_on = rhythm.last_day + timedelta(days=math.ceil(cycles * cycle))
    if lapsed_on >= as_of:
        return None
    return cycle, own is not None, lapsed_on


def lapsed_ids(rhythms: dict[int, Rhythm], candidates: set[int], as_of: date, cycles: float) -> set[int]:
    """Which of `candidates` were lapsed on `as_of`."""
    typical = typical_interval(rhythms)
    return {cid for cid in candidates if cid in rhythms and lapse_of(rhythms[cid], typical, as_of, cycles)}


def purchase_rhythms(
    session: Session, *, customer_ids: Iterable[int] | None = None, before: datetime | None = None
) -> dict[int, Rhythm]:
    """Per customer, first and last purchase day and the number of distinct purchase days (one GROUP BY)."""
    day = day_expr(session, col(Purchase.ordered_at))
    stmt = select(col(Purchase.customer_id), func.min(day), func.max(day), func.count(func.distinct(day))).group_by(
        grouped(session, col(Purchase.customer_id))
    )
    if customer_ids is not None:
        stmt = stmt.where(col(Purchase.customer_id).in_(list(customer_ids)))
    if before is not None:
        stmt = stmt.where(scanned(session, col(Purchase.ordered_at)) < before)
    return {cid: Rhythm(as_date(lo), as_date(hi), int(n)) for cid, lo, hi, n in fetch(session, stmt)}


@dataclass(frozen=True)
class PurchaseInterval:
    """The business's typical gap between a customer's purchases, and the period that covers three cycles."""

    typical_days: float | None  # median over repeat customers of their own mean interval
    repeat_customers: int
    cycles: int
    measuring_days: int | None  # cycles x typical, rounded up: measure retention over at least this long


def purchase_interval(session: Session, *, cycles: int = 3) -> PurchaseInterval:
    """Each repeat customer counts once (the median of their own mean gaps), so a few very frequent buyers
    don't set the rhythm for everyone."""
    gaps = [r.interval for r in purchase_rhythms(session).values() if r.interval is not None]
    typical = median(gaps)
    measuring = math.ceil(typical * cycles) if typical else None
    return PurchaseInterval(typical, len(gaps), cycles, measuring)
