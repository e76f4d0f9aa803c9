"""What the Reports page shows, in one read, and the predicted-CLV model the Reports and Customer pages share.

Fitting the model takes up to a second on a large desk, so it is remembered per engine while the purchases'
count and highest id stay the same: both pages fit it once between purchases (an edited amount waits for the
next purchase). Callers are worker threads; the cache is guarded by a lock.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from deskapp.core.analytics import metrics
from deskapp.core.analytics.automation import AtRiskCustomer, at_risk_customers
from deskapp.core.analytics.metrics import (
    Funnel,
    HealthScore,
    LapsedCustomer,
    NpsFigures,
    Period,
    ReasonCount,
    RetentionFigures,
    SimpleClv,
)
from deskapp.core.analytics.predict import ClvBucket, ClvModel, ModelUnavailable, fit_clv_model
from deskapp.core.records import Customer, Purchase, load_settings

_ModelKey = tuple[int, int, date]
_MODELS: weakref.WeakKeyDictionary[Engine | Connection, tuple[_ModelKey, ClvModel | str]] = weakref.WeakKeyDictionary()
_MODELS_LOCK = threading.Lock()


def desk_clv_model(session: Session, period: Period, margin_rate: float | None = None) -> ClvModel | str:
    """The predicted-CLV model over the purchases up to the period's end (margin: the period's margin rate),
    or why it can't be fitted."""
    count, top = session.execute(select(func.count(), func.max(col(Purchase.id)))).one()
    key = (int(count), int(top or 0), period.end)
    engine = session.get_bind()
    with _MODELS_LOCK:
        known = _MODELS.get(engine)
        if known is not None and known[0] == key:
            return known[1]
    if margin_rate is None:
        settings = load_settings(session)
        margin_rate = metrics.order_figures(session, period, settings).margin_rate
        if margin_rate is None:
            margin_rate = float(settings.default_margin)
    try:
        found: ClvModel | str = fit_clv_model(session, period.end, margin_rate=margin_rate)
    except ModelUnavailable as exc:
        found = str(exc)
    with _MODELS_LOCK:
        _MODELS[engine] = (key, found)
    return found


@dataclass(frozen=True)
class ReportsBoard:
    period: Period
    funnel: Funnel
    retention: RetentionFigures
    retention_months: tuple[RetentionFigures, ...]
    reasons: tuple[ReasonCount, ...]
    nps: NpsFigures
    nps_months: tuple[NpsFigures, ...]
    simple: SimpleClv
    clv: tuple[ClvBucket, ...]
    clv_problem: str | None  # why there is no predicted CLV (too few customers, a fit that didn't converge)
    at_risk: tuple[AtRiskCustomer, ...] = ()  # by the recency rule, with the model's P(alive) beside it
    at_risk_total: int = 0
    lapsed: tuple[LapsedCustomer, ...] = ()
    lapsed_total: int = 0
    attention: tuple[HealthScore, ...] = ()  # lowest health first


LISTED = 12  # customers per list on the page; the CLI's reports list them all


def reports_board(session: Session) -> ReportsBoard:
    """The last 365 days' figures, monthly series and the predicted-CLV bands."""
    settings = load_settings(session)
    period = metrics.period_between()
    simple = metrics.simple_clv(session, period, settings)
    margin_rate = simple.margin_rate if simple.margin_rate is not None else float(settings.default_margin)
    model = desk_clv_model(session, period, margin_rate)
    risky, _notes = at_risk_customers(session, period.end, settings, use_model=False)
    if not isinstance(model, str):
        risky = tuple(_with_p_alive(c, model) for c in risky)
    lapsed = metrics.lapsed_customers(session, settings, period.end)
    return ReportsBoard(
        period=period,
        funnel=metrics.funnel(session),
        retention=metrics.retention_rate(session, period),
        retention_months=metrics.retention_by_month(session, period),
        reasons=metrics.churn_reasons(session, period),
        nps=metrics.net_promoter_score(session, period),
        nps_months=metrics.nps_by_month(session, period),
        simple=simple,
        clv=() if isinstance(model, str) else model.distribution(),
        clv_problem=model if isinstance(model, str) else None,
        at_risk=risky[:LISTED],
        at_risk_total=len(risky),
        lapsed=lapsed[:LISTED],
        lapsed_total=len(lapsed),
        attention=metrics.attention_list(session, settings, period.end, limit=LISTED),
    )


def _with_p_alive(customer: AtRiskCustomer, model: ClvModel) -> AtRiskCustomer:
    """The plain recency rule's finding with the model's P(alive) beside it, so the two can be read together."""
    forecast = model.forecast_for(customer.customer_id)
    return replace(customer, p_alive=None if forecast is None else forecast.p_alive)


def customer_names(session: Session, customer_ids: Iterable[int]) -> dict[int, str]:
    """Id to name for the customers a report lists (archived ones too: the figures include them)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    rows = session.execute(select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(ids))).all()
    return {int(customer_id): name for customer_id, name in rows}
