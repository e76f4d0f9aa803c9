"""The purchase log the models read: per customer x (repeat purchase days), t_x, T and mean repeat spend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from deskapp.core.analytics.metrics.common import as_date, cents, day_expr, fetch, grouped, next_local_midnight, scanned
from deskapp.core.records import Purchase, clock

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
    IdArray = NDArray[np.int64]
else:
    Array = IdArray = Any

WEEK = 7.0


@dataclass(frozen=True, eq=False)
class PurchaseLog:
    """Per customer who bought by `as_of`: x, t_x, T (in `unit_days`) and the mean repeat spend."""

    as_of: date
    unit_days: float
    customer_ids: IdArray
    frequency: Array
    recency: Array
    age: Array
    monetary: Array  # 0 for customers without repeat purchases
    first_day: Array  # date ordinals of the first and last purchase day
    last_day: Array

    def __len__(self) -> int:
        return len(self.customer_ids)


def purchase_log(session: Session, as_of: date | None = None, *, unit_days: float = WEEK) -> PurchaseLog:
    """Summarise purchases up to the end of `as_of` (the calibration period) in two aggregate queries: per
    customer first/last day, distinct days and total; and each customer's first-day total (an index range
    per customer), so the repeat spend is total minus first day. No per-day grouping of the whole log: that
    sort was the slowest step on a million purchases."""
    import numpy as np  # lazy: ~0.13 s, fits only

    as_of = as_of or clock.today()
    cutoff = clock.as_moment(as_of + timedelta(days=1))
    day = day_expr(session, col(Purchase.ordered_at))
    amount = cents(col(Purchase.amount))
    per_customer = fetch(
        session,
        select(
            col(Purchase.customer_id),
            func.min(day),
            func.max(day),
            func.count(func.distinct(day)),
            func.sum(amount),
        )
        .where(scanned(session, col(Purchase.ordered_at)) < cutoff)
        .group_by(grouped(session, col(Purchase.customer_id))),
    )
    per_customer.sort()  # by customer id: cheaper here than another sorter in SQL
    first = (
        select(col(Purchase.customer_id).label("cid"), func.min(col(Purchase.ordered_at)).label("first_at"))
        .where(col(Purchase.ordered_at) < cutoff)
        .group_by(col(Purchase.customer_id))
        .subquery()
    )
    later = aliased(Purchase)
    first_totals = dict(
        fetch(
            session,
            select(first.c.cid, func.sum(cents(col(later.amount))))
            .join(later, col(later.customer_id) == first.c.cid)
            .where(col(later.ordered_at) < next_local_midnight(session, first.c.first_at))
            .group_by(first.c.cid),
        )
    )
    n = len(per_customer)
    end = as_of.toordinal()
    ids = np.fromiter((r[0] for r in per_customer), dtype=np.int64, count=n)
    first_day = np.fromiter((as_date(r[1]).toordinal() for r in per_customer), dtype=np.float64, count=n)
    last_day = np.fromiter((as_date(r[2]).toordinal() for r in per_customer), dtype=np.float64, count=n)
    days = np.fromiter((r[3] for r in per_customer), dtype=np.float64, count=n)
    repeat_cents = np.fromiter(
        (int(r[4]) - int(first_totals.get(r[0], 0)) for r in per_customer), dtype=np.float64, count=n
    )
    x = days - 1
    monetary = np.divide(repeat_cents / 100, x, out=np.zeros_like(x), where=x > 0)
    recency, age = (last_day - first_day) / unit_days, (end - first_day) / unit_days
    return PurchaseLog(as_of, unit_days, ids, x, recency, age, monetary, first_day, last_day)
