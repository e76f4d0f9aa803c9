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

from deskapp.core.metrics.common import Period, ratio
from deskapp.core.metrics.orders import margin_by_customer
from deskapp.core.metrics.retention import lifecycle_facts
from deskapp.core.models import Customer
from deskapp.core.settings import Settings

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
    values = margin_by_customer(session, settings)
    column = {"source": Customer.source, "tag": Customer.tags, "owner": Customer.owner}[by]
    acc: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    money_acc: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    start, end = period.start_moment, period.end_moment
    for cid, raw in session.execute(select(Customer.id, column)):
        keys = [t for t in (raw or "").split(",") if t] if by == "tag" else [raw]
        keys = [k or NONE_LABEL for k in keys] or [NONE_LABEL]
        acquired = facts.acquired.get(cid)
        at_start = acquired is not None and facts.is_customer(cid, start)
        flags = (
            1,
            acquired is not None,
            at_start,
            acquired is not None and facts.is_customer(cid, end),
            acquired is not None and start <= acquired < end,
            at_start and cid in facts.events and facts.lost_in(cid, period),
        )
        revenue, margin = values.get(cid, (Decimal(0), Decimal(0)))
        for key in keys:
            row = acc[key]
            for i, flag in enumerate(flags):
                row[i] += int(flag)
            money_acc[key][0] += revenue
            money_acc[key][1] += margin
    out = []
    for key, (customers, buyers, s, e, n, lost) in acc.items():
        revenue, margin = money_acc[key]
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
                lost=lost,
                churn_rate=ratio(lost, s),
                revenue=revenue,
                margin=margin,
                clv_per_buyer=(margin / buyers).quantize(Decimal("0.01")) if buyers else None,
            )
        )
    return tuple(sorted(out, key=lambda f: (-f.customers, f.value)))
