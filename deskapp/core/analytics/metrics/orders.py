"""Money figures: revenue, AOV, purchase frequency, margin, and the simple and historical CLV.

Refunds (negative amounts) reduce revenue but are not orders. Margin is per order: amount - cost when the
cost is known, else amount x the business's default margin. All sums are integer cents in SQL, so the
figures are exact; ratios become floats only at the end, for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import DAYS_PER_YEAR, Period, cents, fetch, grouped, money, ratio, scanned
from deskapp.core.analytics.metrics.retention import ChurnFigures, churn_rate
from deskapp.core.records import Customer, Purchase, Settings

_amount = cents(col(Purchase.amount))
_cost = cents(col(Purchase.cost))


def _margin_columns() -> tuple[ColumnElement[int], ColumnElement[int]]:
    """(margin from known costs, revenue without a cost) in cents: margin = first + default x second."""
    known = func.coalesce(func.sum(case((col(Purchase.cost).is_not(None), _amount - _cost), else_=0)), 0)
    unknown = func.coalesce(func.sum(case((col(Purchase.cost).is_(None), _amount), else_=0)), 0)
    return known, unknown


def _margin(known_cents: int, unknown_cents: int, default_margin: Decimal) -> Decimal:
    return (money(known_cents) + money(unknown_cents) * default_margin).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class OrderFigures:
    period: Period
    revenue: Decimal  # net of refunds
    orders: int  # purchases with a positive amount
    customers: int  # distinct customers with an order in the period
    margin: Decimal
    aov: Decimal | None  # revenue / orders
    frequency: float | None  # orders / customers
    margin_rate: float | None  # margin / revenue


def order_figures(session: Session, period: Period, settings: Settings) -> OrderFigures:
    known, unknown = _margin_columns()
    revenue, orders, customers, k, u = session.execute(
        select(
            func.coalesce(func.sum(_amount), 0),
            func.count(case((_amount > 0, 1))),
            func.count(func.distinct(case((_amount > 0, col(Purchase.customer_id))))),
            known,
            unknown,
        )
        .where(scanned(session, col(Purchase.ordered_at)) >= period.start_moment)
        .where(scanned(session, col(Purchase.ordered_at)) < period.end_moment)
    ).one()
    revenue_d = money(revenue)
    margin = _margin(k, u, settings.default_margin)
    aov = (revenue_d / orders).quantize(Decimal("0.01")) if orders else None
    return OrderFigures(
        period=period,
        revenue=revenue_d,
        orders=int(orders),
        customers=int(customers),
        margin=margin,
        aov=aov,
        frequency=ratio(orders, customers),
        margin_rate=ratio(margin, revenue_d),
    )


@dataclass(frozen=True)
class SimpleClv:
    """AOV x purchases per year x margin rate x expected lifetime (1 / yearly churn).

    `value` is None when a part is unknown: no orders, or no churn in the period (an infinite lifetime is
    not a figure anyone should plan with).
    """

    period: Period
    aov: Decimal | None
    frequency_per_year: float | None
    margin_rate: float | None
    yearly_churn: float | None
    expected_lifetime_years: float | None
    value: Decimal | None
    orders: OrderFigures
    churn: ChurnFigures


def simple_clv(session: Session, period: Period, settings: Settings) -> SimpleClv:
    figures = order_figures(session, period, settings)
    churn = churn_rate(session, period)
    scale = DAYS_PER_YEAR / period.days
    per_year = figures.frequency * scale if figures.frequency is not None else None
    yearly = churn.yearly_rate()
    lifetime = 1 / yearly if yearly else None
    value: Decimal | None = None
    if figures.aov is not None and per_year is not None and figures.margin_rate is not None and lifetime is not None:
        raw = float(figures.aov) * per_year * figures.margin_rate * lifetime
        value = Decimal(str(round(raw, 2))).quantize(Decimal("0.01"))
    return SimpleClv(period, figures.aov, per_year, figures.margin_rate, yearly, lifetime, value, figures, churn)


@dataclass(frozen=True)
class CustomerValue:
    """Historical CLV: what a customer has earned the business so far (margin over all their orders)."""

    customer_id: int
    name: str
    orders: int
    revenue: Decimal
    margin: Decimal


def historical_clv(
    session: Session,
    settings: Settings,
    *,
    customer_ids: list[int] | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> tuple[CustomerValue, ...]:
    """Customers by margin earned so far, highest first (ties by id for stable pages).

    Purchases are grouped alone (the index's customer order streams the aggregate) and the names are
    read for the page afterwards: joining customers before grouping made this 5x slower.
    """
    known, unknown = _margin_columns()
    margin_cents = known + unknown * float(settings.default_margin)
    stmt = (
        select(col(Purchase.customer_id), func.count(case((_amount > 0, 1))), func.sum(_amount), known, unknown)
        .group_by(grouped(session, col(Purchase.customer_id)))
        .order_by(margin_cents.desc(), col(Purchase.customer_id))
        .offset(offset)
    )
    if customer_ids is not None:
        stmt = stmt.where(col(Purchase.customer_id).in_(customer_ids))
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = fetch(session, stmt)
    names = dict(
        fetch(session, select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_([r[0] for r in rows])))
    )
    return tuple(
        CustomerValue(cid, names.get(cid, ""), int(n), money(rev), _margin(k, u, settings.default_margin))
        for cid, n, rev, k, u in rows
    )


def customer_value(session: Session, customer_id: int, settings: Settings) -> CustomerValue | None:
    found = historical_clv(session, settings, customer_ids=[customer_id], limit=1)
    return found[0] if found else None


def margin_cents_by_customer(session: Session) -> dict[int, tuple[int, int, int]]:
    """Per customer, in cents: (revenue, margin from known costs, revenue without a cost); callers sum
    integers and apply the default margin once per group (converting 100,000 Decimals was a second)."""
    known, unknown = _margin_columns()
    rows = fetch(
        session,
        select(col(Purchase.customer_id), func.sum(_amount), known, unknown).group_by(
            grouped(session, col(Purchase.customer_id))
        ),
    )
    return {cid: (int(rev), int(k), int(u)) for cid, rev, k, u in rows}


def margin_from_cents(known_cents: int, unknown_cents: int, settings: Settings) -> Decimal:
    return _margin(known_cents, unknown_cents, settings.default_margin)
