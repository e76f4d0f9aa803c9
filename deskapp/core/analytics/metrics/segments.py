"""Churn, retention and value by segment: which sources, tags and owners bring customers who stay.

Some kinds of customer churn far more than others; these figures tell whom to serve and whom to decline.
A customer with several tags counts in each of their tags; one with no source, owner or tag is grouped
under "(none)". Segments use the customer's current source/tag/owner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import Period, fetch, money, ratio
from deskapp.core.analytics.metrics.orders import margin_cents_by_customer, margin_from_cents
from deskapp.core.analytics.metrics.retention import lifecycle_facts
from deskapp.core.records import Customer, Settings

DIMENSIONS = ("source", "tag", "owner")
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class SegmentFigures:
    dimension: str  # source, tag or owner
    value: str
    customers: int  # everyone in the segment, leads included
    buyers: int  # ever acquired (bought, or reached a buying stage)
    at_start: int  # S: customers at the start of the period
    at_end: int  # E
    new: int  # N: gained during the period
    retention_rate: float | None  # (E - N) / S x 100
    lost: int  # of S, lost during the period
    churn_rate: float | None  # lost / S
    revenue: Decimal  # all time
    margin: Decimal  # all time: historical CLV summed
    clv_per_buyer: Decimal | None  # average historical CLV of a buyer in the segment


def segments(session: Session, period: Period, settings: Settings, by: str = "source") -> tuple[SegmentFigures, ...]:
    """Figures per segment value, largest segment first."""
    if by not in DIMENSIONS:
        raise ValueError(f"segment by one of {', '.join(DIMENSIONS)}, not {by!r}")
    facts = lifecycle_facts(session)
    values = margin_cents_by_customer(session)
    column = {"source": col(Customer.source), "tag": col(Customer.tags), "owner": col(Customer.owner)}[by]
    at_start, at_end = facts.customers_set(period.start_moment), facts.customers_set(period.end_moment)
    lost = {cid for cid in facts.events if cid in at_start and facts.lost_in(cid, period)}
    start, end = period.start_moment, period.end_moment
    new = {cid for cid, acquired in facts.acquired.items() if start <= acquired < end}
    acc: dict[str, list[int]] = defaultdict(lambda: [0] * 9)
    nothing = (0, 0, 0)
    for cid, value in fetch(session, select(col(Customer.id), column)):
        keys = [t for t in (value or "").split(",") if t] if by == "tag" else [value]
        flags = (
            1,
            cid in facts.acquired,
            cid in at_start,
            cid in at_end,
            cid in new,
            cid in lost,
            *values.get(cid, nothing),
        )
        for key in keys or [NONE_LABEL]:
            row = acc[key or NONE_LABEL]
            for i, flag in enumerate(flags):
                row[i] += int(flag)
    out = []
    for key, (customers, buyers, s, e, n, gone, revenue, known, unknown) in acc.items():
        margin = margin_from_cents(known, unknown, settings)
        out.append(
            SegmentFigures(
                dimension=by,
                value=key,
                customers=customers,
                buyers=buyers,
                at_start=s,
                at_end=e,
                new=n,
                retention_rate=(e - n) / s * 100 if s else None,
                lost=gone,
                churn_rate=ratio(gone, s),
                revenue=money(revenue),
                margin=margin,
                clv_per_buyer=(margin / buyers).quantize(Decimal("0.01")) if buyers else None,
            )
        )
    return tuple(sorted(out, key=lambda f: (-f.customers, f.value)))
