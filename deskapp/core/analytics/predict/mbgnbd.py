"""The modified BG/NBD model (Batislam, Denizel & Filiztekin 2007), the one the desk believes for P(alive).

BG/NBD lets a customer drop out only *after* a repeat purchase, so it calls every one-time buyer certainly
alive however long they have been silent (P(alive) = 1 for x = 0). The modified model adds a chance of
dropping out right after the first purchase too, so a single purchase four years ago reads as probably
gone, which is what an owner sees. The likelihood, P(alive) and the conditional expectation below are
the published ones (also in BTYDplus and lifetimes' ModifiedBetaGeoFitter); the CDNOW parameters they
give (r 0.525, alpha 6.183, a 0.891, b 1.614) are reproduced by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from deskapp.core.analytics.predict.models import _BgNbdData, fit_rate_and_dropout

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
else:
    Array = Any


@dataclass(frozen=True)
class MbgNbdParams:
    """Purchase rate ~ Gamma(r, alpha); dropout chance at the first and each repeat purchase ~ Beta(a, b).
    Time unit: weeks. `converged` is the optimiser's own verdict, checked before figures are shown."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int
    converged: bool = True

    def _dropout_odds(self, x: Array, t_x: Array, T: Array) -> Array:
        import numpy as np

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        log_odds = np.log(a) - np.log(b + x) + (r + x) * np.log((alpha + T) / (alpha + t_x))
        odds: Array = np.exp(np.minimum(log_odds, 700.0))
        return odds

    def p_alive(self, x: Array, t_x: Array, T: Array) -> Array:
        """P(still a customer at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
        return 1.0 / (1.0 + self._dropout_odds(x, t_x, T))

    def expected_purchases(self, t: float, x: Array, t_x: Array, T: Array) -> Array:
        """E[purchases in the next t weeks | x, t_x, T] (Batislam et al. 2007, eq. 13)."""
        import numpy as np
        from scipy.special import hyp2f1

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        ra, bb, c = r + x, b + x + 1, a + b + x
        z = t / (alpha + T + t)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            log_hyp = np.log(hyp2f1(ra, bb, c, z))
            alt = np.log(hyp2f1(c - ra, c - bb, c, z)) + (c - ra - bb) * np.log1p(-z)  # Euler's transformation
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp, alt)
        grow = 1 - np.exp(log_hyp + ra * np.log((alpha + T) / (alpha + T + t)))
        expected: Array = (a + b + x) / (a - 1) * grow / (1.0 + self._dropout_odds(x, t_x, T))
        return expected

    def expected_for_new_customer(self, t: Array) -> Array:
        """E[X(t)] for a customer who just made their first purchase (the cumulative curve the papers plot)."""
        import numpy as np
        from scipy.special import hyp2f1

        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        t = np.asarray(t, dtype=np.float64)
        expected: Array = b / (a - 1) * (1 - hyp2f1(r, b + 1, a + b, t / (alpha + t)) * (alpha / (alpha + t)) ** r)
        return expected


def _negll(log_params: Array, d: _BgNbdData) -> tuple[float, Array]:
    """Minus the modified BG/NBD log-likelihood and its gradient in log-parameters.

    L = B(a, b+x+1)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r) * [(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)];
    unlike BG/NBD the second term is there for x = 0 too."""
    import numpy as np
    from scipy.special import digamma, gammaln

    r, alpha, a, b = np.exp(log_params)
    x, w = d.x, d.w
    log_T, log_tx = d.uT.map(lambda v: np.log(alpha + v)), d.utx.map(lambda v: np.log(alpha + v))
    inv_T, inv_tx = d.uT.map(lambda v: 1 / (alpha + v)), d.utx.map(lambda v: 1 / (alpha + v))
    a3 = -(r + x) * log_T
    a4 = np.log(a) - np.log(b + x) - (r + x) * log_tx
    mix = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - mix), np.exp(a4 - mix)
    by_x = d.ux.map(lambda v: gammaln(r + v) + gammaln(b + v + 1) - gammaln(a + b + v + 1))
    ll = by_x - gammaln(r) + r * np.log(alpha) + gammaln(a + b) - gammaln(b) + mix
    d_ab = digamma(a + b) - d.ux.map(lambda v: digamma(a + b + v + 1))
    d_r = d.ux.map(lambda v: digamma(r + v)) - digamma(r) + np.log(alpha)
    d_b = d.ux.map(lambda v: digamma(b + v + 1)) - digamma(b)
    grad = np.array(
        [
            (w * (d_r - w3 * log_T - w4 * log_tx)).sum() * r,
            (w * (r / alpha - (r + x) * (w3 * inv_T + w4 * inv_tx))).sum() * alpha,
            (w * (d_ab + w4 / a)).sum() * a,
            (w * (d_ab + d_b - w4 / (b + x))).sum() * b,
        ]
    )
    return float(-(w * ll).sum()), -grad


def fit_mbgnbd(frequency: Array, recency: Array, age: Array) -> MbgNbdParams:
    """Maximum-likelihood modified BG/NBD parameters."""
    r, alpha, a, b, ll, n, converged = fit_rate_and_dropout(_negll, frequency, recency, age, "the model")
    return MbgNbdParams(r, alpha, a, b, ll, n, converged)
