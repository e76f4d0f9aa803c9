"""The published likelihoods, vectorised: BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader &
Hardie 2013), with analytic gradients, fitted by L-BFGS-B on log-parameters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deskapp.core.records import DeskError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
else:
    Array = Any


class ModelUnavailable(DeskError):
    """Too little purchase history to fit the model (it says what is missing)."""


@dataclass(frozen=True)
class BgNbdParams:
    """Purchase rate ~ Gamma(r, alpha); dropout probability per purchase ~ Beta(a, b). Time unit: weeks."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def p_alive(self, x: Array, t_x: Array, T: Array) -> Array:
        """P(still a customer at T | x, t_x, T) (FHL 2005, eq. 12); always 1 with no repeat purchase."""
        import numpy as np  # lazy: ~0.13 s, fits only

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0))), 1.0)

    def expected_purchases(self, t: float, x: Array, t_x: Array, T: Array) -> Array:
        """E[purchases in the next t weeks | x, t_x, T] (FHL 2005, eq. 10)."""
        import numpy as np  # lazy: ~0.13 s, fits only
        from scipy.special import hyp2f1  # lazy: ~0.4 s, fits only

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        ra, bb, c = r + x, b + x, a + b + x - 1
        z = t / (alpha + T + t)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            direct: Array = hyp2f1(ra, bb, c, z)
            euler: Array = hyp2f1(c - ra, c - bb, c, z)
            log_hyp = np.log(direct)
            alt = np.log(euler) + (c - ra - bb) * np.log1p(-z)  # Euler's transformation
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp, alt)
        numerator: Array = (
            (a + b + x - 1) / (a - 1) * (1 - np.exp(log_hyp + ra * np.log((alpha + T) / (alpha + T + t))))
        )
        return numerator * self.p_alive(x, t_x, T)


class _Unique:
    """A column's distinct values and where each row's value sits among them: x, t_x and T take few
    distinct values (whole repeat days, ages in days), so special functions and logs are computed on
    those and gathered, instead of once per customer (the fit got 5x faster on 100,000 customers)."""

    def __init__(self, values: Array) -> None:
        import numpy as np  # lazy: ~0.13 s, fits only

        self.values, self.index = np.unique(values, return_inverse=True)

    def map(self, fn: Callable[[Array], Array]) -> Array:
        return fn(self.values)[self.index]


class _BgNbdData:
    def __init__(self, x: Array, t_x: Array, T: Array, w: Array) -> None:
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        self.repeat = x > 0
        self.ux, self.utx, self.uT = _Unique(x), _Unique(t_x), _Unique(T)


def _bgnbd_negll(log_params: Array, d: _BgNbdData) -> tuple[float, Array]:
    """Minus the BG/NBD log-likelihood (FHL 2005, eq. 6) and its gradient in log-parameters."""
    import numpy as np  # lazy: ~0.13 s, fits only
    from scipy.special import digamma, gammaln  # lazy: ~0.4 s, fits only

    r, alpha, a, b = np.exp(log_params)
    x, w = d.x, d.w
    log_T, log_tx = d.uT.map(lambda v: np.log(alpha + v)), d.utx.map(lambda v: np.log(alpha + v))
    inv_T, inv_tx = d.uT.map(lambda v: 1 / (alpha + v)), d.utx.map(lambda v: 1 / (alpha + v))
    bx1 = d.ux.map(lambda v: np.where(v > 0, b + v - 1, 1.0))
    a3 = -(r + x) * log_T
    a4 = np.where(d.repeat, np.log(a) - np.log(bx1) - (r + x) * log_tx, -np.inf)
    mix = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)  # the two terms' shares of the likelihood
    by_x = d.ux.map(lambda v: gammaln(r + v) + gammaln(b + v) - gammaln(a + b + v))
    ll = by_x - gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b) + mix
    d_ab = digamma(a + b) - d.ux.map(lambda v: digamma(a + b + v))
    d_r = d.ux.map(lambda v: digamma(r + v)) - digamma(r) + np.log(alpha)
    d_b = d.ux.map(lambda v: digamma(b + v)) - digamma(b)
    grad = np.array(
        [
            (w * (d_r - w3 * log_T - w4 * log_tx)).sum() * r,
            (w * (r / alpha - (r + x) * (w3 * inv_T + w4 * inv_tx))).sum() * alpha,
            (w * (d_ab + w4 / a)).sum() * a,
            (w * (d_ab + d_b - w4 / bx1)).sum() * b,
        ]
    )
    return float(-(w * ll).sum()), -grad


# Log-parameters stay within e^-20..e^20: wide enough for any real desk, and a degenerate log (nobody ever
# drops out: a, b -> infinity) stops at the bound instead of running the optimiser for minutes.
_BOUND = 20.0


def _minimise(fun: Any, start: Array, args: tuple[Any, ...]) -> Any:
    """L-BFGS-B on log-parameters (positive by construction) with the analytic gradient."""
    from scipy.optimize import minimize  # lazy: ~0.4 s, fits only

    bounds = [(-_BOUND, _BOUND)] * len(start)
    return minimize(
        fun,
        start,
        args=args,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000, "ftol": 1e-13, "gtol": 1e-8},
    )


def _compress(*columns: Array) -> tuple[list[Array], Array]:
    """Customers with identical inputs share one likelihood term, weighted by their count. (A lexsort and
    a comparison of neighbours: `np.unique(axis=0)` took half a second on 100,000 rows.)"""
    import numpy as np  # lazy: ~0.13 s, fits only

    order = np.lexsort(columns[::-1])
    ordered = [np.asarray(c)[order] for c in columns]
    new_group = np.zeros(len(order), dtype=bool)
    if len(order):
        new_group[0] = True
        for column in ordered:
            new_group[1:] |= column[1:] != column[:-1]
    first = np.flatnonzero(new_group)
    counts = np.diff(np.append(first, len(order))).astype(np.float64)
    return [column[first] for column in ordered], counts


def fit_rate_and_dropout(
    negll: Any, frequency: Array, recency: Array, age: Array, model: str
) -> tuple[float, float, float, float, float, int, bool]:
    """Maximum likelihood for the BG/NBD family (r, alpha, a, b; log-likelihood, customers, converged):
    times are scaled to a max age of 10 while fitting (better conditioned), and alpha scaled back."""
    import numpy as np  # lazy: ~0.13 s, fits only

    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (frequency, recency, age))
    if len(x) < 2 or not (x > 0).any():
        raise ModelUnavailable(f"{model} needs at least two customers and at least one repeat purchase")
    scale = 10.0 / max(float(T.max()), 1e-9)
    (cx, ctx, cT), w = _compress(x, t_x * scale, T * scale)
    result = _minimise(negll, np.zeros(4), (_BgNbdData(cx, ctx, cT, w),))
    r, alpha, a, b = np.exp(result.x)
    # Scaling time by s lowers each customer's log-likelihood by x ln s; add it back so the value is the
    # log-likelihood of the data as given.
    ll = -float(result.fun) + float(np.log(scale) * x.sum())
    return float(r), float(alpha / scale), float(a), float(b), ll, len(x), bool(result.success)


def fit_bgnbd(frequency: Array, recency: Array, age: Array) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters."""
    r, alpha, a, b, ll, n, _converged = fit_rate_and_dropout(_bgnbd_negll, frequency, recency, age, "BG/NBD")
    return BgNbdParams(r, alpha, a, b, ll, n)


@dataclass(frozen=True)
class GammaGammaParams:
    """Spend per purchase ~ Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    customers: int

    def expected_spend(self, x: Array, monetary: Array) -> Array:
        """E[spend per purchase | x, m]: the population mean pulled towards the customer's own mean as x grows.
        Customers without repeat purchases get the population mean p*gamma/(q-1)."""
        import numpy as np  # lazy: ~0.13 s, fits only

        p, q, g = self.p, self.q, self.gamma
        own = (p * (g + x * monetary)) / np.maximum(p * x + q - 1, 1e-12)
        return np.where(x > 0, own, p * g / (q - 1) if q > 1 else np.nan)


class _GammaGammaData:
    def __init__(self, x: Array, m: Array, w: Array) -> None:
        import numpy as np  # lazy: ~0.13 s, fits only

        self.x, self.m, self.w = x, m, w
        self.log_m, self.log_x = np.log(m), np.log(x)
        self.ux = _Unique(x)


def _gg_negll(log_params: Array, d: _GammaGammaData) -> tuple[float, Array]:
    """Minus the Gamma-Gamma log-likelihood of the mean spends (Fader & Hardie 2013, eq. 5) and its gradient."""
    import numpy as np  # lazy: ~0.13 s, fits only
    from scipy.special import digamma, gammaln  # lazy: ~0.4 s, fits only

    p, q, g = np.exp(log_params)
    x, m, w = d.x, d.m, d.w
    px = p * x
    log_gmx = np.log(g + m * x)
    ll = d.ux.map(lambda v: gammaln(p * v + q) - gammaln(p * v)) - gammaln(q) + q * np.log(g)
    ll += (px - 1) * d.log_m + px * d.log_x - (px + q) * log_gmx
    dpq = d.ux.map(lambda v: digamma(p * v + q))
    grad = np.array(
        [
            (w * x * (dpq - d.ux.map(lambda v: digamma(p * v)) + d.log_m + d.log_x - log_gmx)).sum() * p,
            (w * (dpq - digamma(q) + np.log(g) - log_gmx)).sum() * q,
            (w * (q / g - (px + q) / (g + m * x))).sum() * g,
        ]
    )
    return float(-(w * ll).sum()), -grad


def fit_gamma_gamma(frequency: Array, monetary: Array) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters over the customers with repeat purchases and positive spend."""
    import numpy as np  # lazy: ~0.13 s, fits only

    x, m = np.asarray(frequency, dtype=np.float64), np.asarray(monetary, dtype=np.float64)
    keep = (x > 0) & (m > 0)
    if keep.sum() < 2:
        raise ModelUnavailable("Gamma-Gamma needs at least two customers with repeat purchases")
    (cx, cm), w = _compress(x[keep], m[keep])
    start = np.log(np.array([1.0, 1.0, max(float(np.median(cm)), 1.0)]))
    result = _minimise(_gg_negll, start, (_GammaGammaData(cx, cm, w),))
    p, q, g = np.exp(result.x)
    return GammaGammaParams(float(p), float(q), float(g), -float(result.fun), int(keep.sum()))
