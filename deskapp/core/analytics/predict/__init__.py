"""Predicted CLV for irregular buyers: the modified BG/NBD for "still alive, how many more purchases" and
Gamma-Gamma for "how much per purchase".

Plain BG/NBD is still fitted and reported beside it (it reproduces the published CDNOW figures), but the
desk's P(alive) and predictions come from the modified model (Batislam et al. 2007): BG/NBD calls every
one-time buyer certainly alive however long they have been silent. Every fit is checked
(`checks.py`) before a figure is shown.

The published likelihoods are implemented on numpy/scipy (Fader, Hardie & Lee 2005, "Counting your
customers the easy way"; Fader & Hardie 2013, "The Gamma-Gamma model of monetary value") rather than
taking on a library: the formulas are short, vectorised over all customers they fit 100,000 customers in
seconds, and numpy/scipy are imported only when a model is fitted, so starting the app costs nothing.

Conventions, as in the papers and the CDNOW figures they publish:
- frequency x = repeat purchase *days* (several orders on one day are one purchase; the first day is not
  a repeat), recency t_x = first to last purchase day, age T = first purchase day to the end of the
  calibration period, both in days / 7 (weeks);
- the monetary value m is the mean of the repeat purchase days' totals; Gamma-Gamma is fitted on the
  customers with x > 0 and m > 0 only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from deskapp.core.analytics.predict.checks import MIN_BUYERS, history_problem, params_problem
from deskapp.core.analytics.predict.log import WEEK, PurchaseLog, purchase_log
from deskapp.core.analytics.predict.mbgnbd import MbgNbdParams, fit_mbgnbd
from deskapp.core.analytics.predict.models import (
    BgNbdParams,
    GammaGammaParams,
    ModelUnavailable,
    fit_bgnbd,
    fit_gamma_gamma,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
else:
    Array = Any


@dataclass(frozen=True)
class CustomerForecast:
    customer_id: int
    frequency: int  # repeat purchase days
    recency_weeks: float
    age_weeks: float
    monetary: float  # mean repeat spend
    p_alive: float
    expected_purchases: float  # in the horizon
    expected_spend: float  # per purchase
    predicted_clv: Decimal  # expected purchases x spend x margin rate


@dataclass(frozen=True)
class ClvBucket:
    low: float
    high: float
    customers: int


@dataclass(frozen=True, eq=False)
class ClvModel:
    """The fitted models over a purchase log, with every customer's forecast as arrays (render via
    `forecasts`, `top`, `distribution`)."""

    log: PurchaseLog
    bgnbd: BgNbdParams  # reported beside the model the figures come from
    mbgnbd: MbgNbdParams  # P(alive) and expected purchases
    gamma_gamma: GammaGammaParams | None
    horizon_days: int
    margin_rate: float
    p_alive: Array = field(repr=False)
    expected_purchases: Array = field(repr=False)
    expected_spend: Array = field(repr=False)
    predicted_clv: Array = field(repr=False)

    def forecast(self, index: int) -> CustomerForecast:
        lg = self.log
        return CustomerForecast(
            customer_id=int(lg.customer_ids[index]),
            frequency=int(lg.frequency[index]),
            recency_weeks=float(lg.recency[index]),
            age_weeks=float(lg.age[index]),
            monetary=float(lg.monetary[index]),
            p_alive=float(self.p_alive[index]),
            expected_purchases=float(self.expected_purchases[index]),
            expected_spend=float(self.expected_spend[index]),
            predicted_clv=Decimal(str(round(float(self.predicted_clv[index]), 2))),
        )

    def forecast_for(self, customer_id: int) -> CustomerForecast | None:
        import numpy as np  # lazy: ~0.13 s, fits only

        i = int(np.searchsorted(self.log.customer_ids, customer_id))
        if i < len(self.log) and int(self.log.customer_ids[i]) == customer_id:
            return self.forecast(i)
        return None

    def top(self, n: int = 20) -> tuple[CustomerForecast, ...]:
        import numpy as np  # lazy: ~0.13 s, fits only

        order = np.lexsort((self.log.customer_ids, -np.nan_to_num(self.predicted_clv)))[:n]
        return tuple(self.forecast(int(i)) for i in order)

    def distribution(self, buckets: int = 10) -> tuple[ClvBucket, ...]:
        """Customers per predicted-CLV band (equal widths from 0 to the 99th percentile; the last band
        takes the rest) for the CLV distribution chart."""
        import numpy as np  # lazy: ~0.13 s, fits only

        values = np.nan_to_num(self.predicted_clv)
        if not len(values):
            return ()
        top = float(np.percentile(values, 99)) or float(values.max()) or 1.0
        edges = np.linspace(0.0, top, buckets + 1)
        counts = np.histogram(np.clip(values, 0.0, top), bins=edges)[0]
        return tuple(ClvBucket(float(edges[i]), float(edges[i + 1]), int(counts[i])) for i in range(buckets))


def fit_clv_model(
    session: Session, as_of: date | None = None, *, horizon_days: int = 365, margin_rate: float = 1.0
) -> ClvModel:
    """Fit both models on purchases up to `as_of` and forecast every customer `horizon_days` ahead.

    Predicted CLV = expected purchases x expected spend x margin rate (undiscounted; pass the business's
    margin rate to get profit rather than revenue). Without enough repeat buyers for Gamma-Gamma, or when
    its fit can't be believed, each customer's own mean spend (or the overall mean) stands in. Raises
    `ModelUnavailable` ("not enough history yet: ...") when the log is too small or the fit implausible.
    """
    lg = purchase_log(session, as_of)
    return clv_model_from_log(lg, horizon_days=horizon_days, margin_rate=margin_rate)


def clv_model_from_log(
    lg: PurchaseLog, *, horizon_days: int = 365, margin_rate: float = 1.0, min_buyers: int = MIN_BUYERS
) -> ClvModel:
    """`fit_clv_model` on a purchase log already read (the at-risk rule reads it once for both uses)."""
    import numpy as np  # lazy: ~0.13 s, fits only

    problem = history_problem(lg, min_buyers)
    if problem:
        raise ModelUnavailable(problem)
    bg = fit_bgnbd(lg.frequency, lg.recency, lg.age)
    mbg = fit_mbgnbd(lg.frequency, lg.recency, lg.age)
    problem = params_problem("modified BG/NBD", {"r": mbg.r, "alpha": mbg.alpha, "a": mbg.a, "b": mbg.b}, mbg.converged)
    if problem:
        raise ModelUnavailable(problem)
    try:
        gg: GammaGammaParams | None = fit_gamma_gamma(lg.frequency, lg.monetary)
    except ModelUnavailable:
        gg = None
    if gg is not None and (gg.q <= 1 or params_problem("Gamma-Gamma", {"p": gg.p, "q": gg.q, "gamma": gg.gamma})):
        gg = None
    alive = mbg.p_alive(lg.frequency, lg.recency, lg.age)
    expected = mbg.expected_purchases(horizon_days / lg.unit_days, lg.frequency, lg.recency, lg.age)
    if gg is not None:
        spend = gg.expected_spend(lg.frequency, lg.monetary)
    else:
        repeat = lg.monetary[lg.frequency > 0]
        spend = np.where(lg.frequency > 0, lg.monetary, float(repeat.mean()) if len(repeat) else 0.0)
    clv = expected * spend * margin_rate
    return ClvModel(lg, bg, mbg, gg, horizon_days, margin_rate, alive, expected, spend, clv)


__all__ = [
    "WEEK",
    "BgNbdParams",
    "ClvBucket",
    "ClvModel",
    "CustomerForecast",
    "GammaGammaParams",
    "MbgNbdParams",
    "ModelUnavailable",
    "PurchaseLog",
    "clv_model_from_log",
    "fit_bgnbd",
    "fit_clv_model",
    "fit_gamma_gamma",
    "fit_mbgnbd",
    "history_problem",
    "params_problem",
    "purchase_log",
]
