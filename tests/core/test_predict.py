"""BG/NBD and Gamma-Gamma: the published CDNOW figures, hand-worked predictions, the purchase log, speed."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session

from deskapp.core.activity.service import record_purchase
from deskapp.core.analytics.predict import (
    BgNbdParams,
    GammaGammaParams,
    MbgNbdParams,
    ModelUnavailable,
    fit_bgnbd,
    fit_clv_model,
    fit_gamma_gamma,
    fit_mbgnbd,
    purchase_log,
)
from deskapp.core.customers.service import create_customer
from tests.core.ids import id_of
from tests.data.cdnow.build import CALIBRATION_END, PUBLISHED_BGNBD, PUBLISHED_GAMMA_GAMMA, build_desk, summary

PUBLISHED = BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0, customers=0)


def _cdnow_arrays() -> tuple[np.ndarray, ...]:
    per_customer = summary()
    rows = np.array([per_customer[cid] for cid in sorted(per_customer)])
    return rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]


def test_bgnbd_reproduces_the_published_cdnow_parameters() -> None:
    x, t_x, T, _m = _cdnow_arrays()
    assert len(x) == 2357
    fitted = fit_bgnbd(x, t_x, T)
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(fitted, name) == pytest.approx(published, rel=0.01), name
    assert fitted.log_likelihood == pytest.approx(-9582.4, abs=0.1)  # FHL 2005 report LL = -9582.4


def test_gamma_gamma_reproduces_the_published_cdnow_parameters() -> None:
    x, _t_x, _T, m = _cdnow_arrays()
    fitted = fit_gamma_gamma(x, m)
    assert fitted.customers == 946  # repeat buyers in the calibration period
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(fitted, name) == pytest.approx(published, rel=0.01), name


def test_p_alive_by_hand() -> None:
    params = BgNbdParams(r=1.0, alpha=1.0, a=1.0, b=1.0, log_likelihood=0.0, customers=0)
    # odds of having dropped out = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x) = 1 * (3/2)**2 = 2.25
    alive = params.p_alive(np.array([1.0, 0.0]), np.array([1.0, 0.0]), np.array([2.0, 2.0]))
    assert alive[0] == pytest.approx(1 / 3.25)
    assert alive[1] == 1.0  # no repeat purchase: never seen to drop out


def test_expected_purchases_matches_the_published_example() -> None:
    """FHL 2005: a customer with x=2, t_x=30.43, T=38.86 is expected to make 1.226 purchases in 39 weeks."""
    expected = PUBLISHED.expected_purchases(39.0, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert expected[0] == pytest.approx(1.226, abs=0.002)


def test_expected_purchases_grow_with_the_horizon_and_vanish_at_zero() -> None:
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 30.0])
    assert PUBLISHED.expected_purchases(0.0, x, t_x, T) == pytest.approx([0.0, 0.0])
    short, long = PUBLISHED.expected_purchases(10.0, x, t_x, T), PUBLISHED.expected_purchases(52.0, x, t_x, T)
    assert (long > short).all()


def test_gamma_gamma_expected_spend_by_hand() -> None:
    gg = GammaGammaParams(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, customers=0)
    spend = gg.expected_spend(np.array([2.0, 0.0]), np.array([22.35, 0.0]))
    # (p * (gamma + x * m)) / (p * x + q - 1) = 6.25 * 60.14 / 15.24
    assert spend[0] == pytest.approx(6.25 * 60.14 / 15.24)
    assert spend[1] == pytest.approx(6.25 * 15.44 / 2.74)  # the population mean for a one-time buyer


def _simulate(r: float, alpha: float, a: float, b: float, n: int, seed: int) -> tuple[np.ndarray, ...]:
    """Draw purchase logs from the BG/NBD story: Poisson purchases at rate lambda, dropping out with
    probability p after each repeat purchase, observed for T weeks."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    T = rng.uniform(20, 52, n)
    x, t_x, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        now[active] += rng.exponential(1 / lam[active])
        active &= now <= T
        x[active] += 1
        t_x[active] = now[active]
        active &= rng.random(n) >= drop
    return x, t_x, T


def test_fit_recovers_simulated_parameters() -> None:
    x, t_x, T = _simulate(0.5, 3.0, 0.7, 2.5, 20_000, seed=7)
    fitted = fit_bgnbd(x, t_x, T)
    assert fitted.r == pytest.approx(0.5, rel=0.1)
    assert fitted.alpha == pytest.approx(3.0, rel=0.15)
    assert fitted.a == pytest.approx(0.7, rel=0.25)
    assert fitted.b == pytest.approx(2.5, rel=0.3)


def test_fitting_100k_customers_takes_seconds() -> None:
    x, t_x, T = _simulate(0.5, 3.0, 0.7, 2.5, 100_000, seed=11)
    T, t_x = np.round(T * 7) / 7, np.round(t_x * 7) / 7  # day resolution, as from a desk
    m = np.where(x > 0, np.random.default_rng(3).gamma(6.0, 4.0, len(x)), 0.0)
    started = time.perf_counter()
    fit_bgnbd(x, t_x, T)
    fit_gamma_gamma(x, m)
    assert time.perf_counter() - started < 15


def test_degenerate_log_stops_quickly_instead_of_running_away() -> None:
    """Nobody ever drops out: a and b grow without bound; the bounded fit still returns promptly."""
    rng = np.random.default_rng(1)
    T = rng.uniform(1, 52, 5000)
    x = rng.poisson(2, 5000).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 5000), 0.0)
    started = time.perf_counter()
    fitted = fit_bgnbd(x, t_x, T)
    assert time.perf_counter() - started < 10
    assert fitted.r > 0 and fitted.alpha > 0


def test_too_little_history_is_a_clear_error() -> None:
    with pytest.raises(ModelUnavailable, match="repeat purchase"):
        fit_bgnbd(np.array([0.0, 0.0]), np.array([0.0, 0.0]), np.array([5.0, 6.0]))
    with pytest.raises(ModelUnavailable, match="Gamma-Gamma"):
        fit_gamma_gamma(np.array([1.0, 0.0]), np.array([10.0, 0.0]))


def test_purchase_log_counts_days_and_averages_repeat_day_spend(session: Session, frozen_now: datetime) -> None:
    c = create_customer(session, name="Log")
    for month, day, hour, amount in (
        (3, 1, 10, "10"),
        (3, 8, 9, "5"),
        (3, 8, 17, "7"),
        (3, 22, 12, "30"),
        (4, 9, 12, "99"),
    ):
        record_purchase(session, id_of(c), amount=amount, ordered_at=datetime(2026, month, day, hour, tzinfo=UTC))
    log = purchase_log(session, date(2026, 3, 31))  # the 99 on 9 April is after the calibration end
    assert list(log.customer_ids) == [c.id]
    # purchase days 1, 8 (two orders: 12.00), 22 March -> x = 2 repeat days
    assert log.frequency[0] == 2
    assert log.recency[0] == pytest.approx(21 / 7)
    assert log.age[0] == pytest.approx(30 / 7)
    assert log.monetary[0] == pytest.approx((12 + 30) / 2)


def test_cdnow_desk_purchase_log_matches_the_file_and_fits(tmp_path: Path) -> None:
    """On SQLite only: the model is engine-independent, and the purchase log's SQL is checked on both
    engines by the other tests here (the importer's --create-missing failed on PostgreSQL when written)."""
    from deskapp.core.db.engine import open_engine, session_scope

    engine = open_engine(tmp_path / "cdnow.db")
    build_desk(engine, tmp_path)
    with session_scope(engine) as session:
        log = purchase_log(session, CALIBRATION_END)
        model = fit_clv_model(session, CALIBRATION_END, horizon_days=273)
    expected = summary()
    assert len(log) == 2357
    ref = np.array([expected[int(cid)] for cid in log.customer_ids])
    assert np.allclose(ref[:, 0], log.frequency) and np.allclose(ref[:, 1], log.recency)
    assert np.allclose(ref[:, 2], log.age) and np.allclose(ref[:, 3], log.monetary)
    assert model.bgnbd.r == pytest.approx(0.243, rel=0.01)
    assert model.gamma_gamma is not None and model.gamma_gamma.p == pytest.approx(6.25, rel=0.01)
    assert model.mbgnbd.r == pytest.approx(0.525, rel=0.01)  # BTYDplus' fit of the modified model
    first = model.forecast_for(1)  # x=2, t_x=30.43, T=38.86 (the paper's example customer)
    example = [np.array([v]) for v in (2.0, 30.43, 38.86)]
    assert float(model.bgnbd.expected_purchases(39, *example)[0]) == pytest.approx(1.226, abs=0.01)
    # The figures shown come from the modified model: 1.263 with BTYDplus' published parameters.
    assert first is not None and first.expected_purchases == pytest.approx(1.263, abs=0.01)
    top = model.top(5)
    assert [f.predicted_clv for f in top] == sorted((f.predicted_clv for f in top), reverse=True)
    assert sum(b.customers for b in model.distribution()) == 2357
    engine.dispose()


def test_modified_bgnbd_reproduces_the_btydplus_cdnow_parameters() -> None:
    x, t_x, T, _m = _cdnow_arrays()
    fitted = fit_mbgnbd(x, t_x, T)
    for name, published in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert getattr(fitted, name) == pytest.approx(published, rel=0.01), name
    assert fitted.converged


def test_a_one_time_buyer_silent_for_four_years_is_probably_gone() -> None:
    """BG/NBD says 1.0 for every one-time buyer; the modified model the desk shows does not."""
    published = MbgNbdParams(r=0.525, alpha=6.183, a=0.891, b=1.614, log_likelihood=0.0, customers=0)
    zero = np.array([0.0])
    four_years = np.array([4 * 52.0])
    assert float(PUBLISHED.p_alive(zero, zero, four_years)[0]) == 1.0
    assert float(published.p_alive(zero, zero, four_years)[0]) < 0.5
    recent = float(published.p_alive(zero, zero, np.array([1.0]))[0])
    assert recent > 0.5  # a first purchase last week: still probably a customer
    # hand-worked: odds of having dropped out = a / (b + x) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    odds = 0.891 / 1.614 * ((6.183 + 208) / 6.183) ** 0.525
    assert float(published.p_alive(zero, zero, four_years)[0]) == pytest.approx(1 / (1 + odds))


def test_the_checks_refuse_a_tiny_log_and_implausible_parameters() -> None:
    from deskapp.core.analytics.predict.checks import params_problem

    assert params_problem("modified BG/NBD", {"r": 52_025.0, "alpha": 11.8e6, "a": 0.5, "b": 1.0}) is not None
    assert params_problem("modified BG/NBD", {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 1.6}) is None
    assert "did not converge" in str(params_problem("x", {"r": 1.0}, converged=False))


def test_four_customers_are_not_enough_history(session: Session, frozen_now: datetime) -> None:
    for i in range(4):
        c = id_of(create_customer(session, name=f"Buyer {i}"))
        for days in (400, 200, 20 * i + 5):
            moment = datetime(2026, 11, 23, tzinfo=UTC) - timedelta(days=days)
            record_purchase(session, c, amount="100", ordered_at=moment)
    with pytest.raises(ModelUnavailable, match="not enough history yet: 4 buyers"):
        fit_clv_model(session, date(2026, 11, 23))


def test_importing_predict_does_not_load_numpy() -> None:
    """App start-up stays fast: numpy and scipy are imported only when a model is fitted."""
    code = (
        "import sys, deskapp.core.analytics.predict, deskapp.core.analytics.automation\n"
        "import deskapp.core.analytics.metrics\n"
        "assert 'numpy' not in sys.modules and 'scipy' not in sys.modules, 'numpy loaded at import'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_purchase_days_are_local_days(session: Session, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """In Tokyo (UTC+9) 23:30 on 1 March and 08:00 on 2 March are two purchase days, though both fall on
    1 March in UTC."""
    import time as time_module

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time_module.tzset()
    try:
        c = create_customer(session, name="Tokyo")
        record_purchase(session, id_of(c), amount="10", ordered_at=datetime(2026, 3, 1, 14, 30, tzinfo=UTC))
        record_purchase(session, id_of(c), amount="20", ordered_at=datetime(2026, 3, 1, 23, 0, tzinfo=UTC))
        log = purchase_log(session, date(2026, 3, 31))
        assert (log.frequency[0], log.monetary[0]) == (1, 20.0)
        assert date.fromordinal(int(log.first_day[0])) == date(2026, 3, 1)
        assert date.fromordinal(int(log.last_day[0])) == date(2026, 3, 2)
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time_module.tzset()
