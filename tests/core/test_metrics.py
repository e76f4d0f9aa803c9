"""Every figure against numbers worked out by hand on small desks (clock frozen at 2026-11-23 09:30 UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session

from deskapp.core.activity.service import log_interaction, open_complaint, record_purchase
from deskapp.core.analytics.metrics import (
    Period,
    attention_list,
    churn_rate,
    churn_reasons,
    customer_health,
    customer_value,
    funnel,
    historical_clv,
    months_in,
    net_promoter_score,
    nps_by_month,
    order_figures,
    owner_changes,
    period_between,
    purchase_interval,
    retention_by_month,
    retention_rate,
    segments,
    simple_clv,
)
from deskapp.core.customers.lifecycle import change_stage
from deskapp.core.customers.service import create_customer, update_customer
from deskapp.core.records.settings import Settings
from deskapp.core.records.tables import StageChange, table_of
from tests.core.ids import id_of

SETTINGS = Settings()  # default margin 0.30, at-risk factor 2.0


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def buy(session: Session, customer_id: int, when: datetime, amount: str = "100", cost: str | None = None) -> None:
    record_purchase(session, customer_id, amount=amount, cost=cost, ordered_at=when, settings=SETTINGS)


def churn(session: Session, customer_id: int, when: datetime, reason: str) -> None:
    change_stage(session, customer_id, "churned", reason="gone", churn_reason=reason, at=when)


# --- periods ------------------------------------------------------------------------------------------------


def test_periods_cover_whole_days_and_months(frozen_now: datetime) -> None:
    year = period_between()
    assert (year.start, year.end, year.days) == (date(2025, 11, 24), date(2026, 11, 23), 365)
    assert year.end_moment - year.start_moment == timedelta(days=365)
    months = months_in(Period(date(2026, 1, 15), date(2026, 3, 10)))
    assert [(m.start, m.end) for m in months] == [
        (date(2026, 1, 15), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 10)),
    ]
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), date(2026, 1, 1))


# --- money ---------------------------------------------------------------------------------------------------


def test_order_figures_aov_frequency_margin(session: Session, frozen_now: datetime) -> None:
    a, b, c = (id_of(create_customer(session, name=n)) for n in "ABC")
    buy(session, a, at(2026, 3, 1), "100.00", cost="60.00")  # margin 40 (known cost)
    buy(session, a, at(2026, 4, 1), "50.00")  # margin 15 (30% default)
    buy(session, b, at(2026, 5, 1), "30.00")  # margin 9
    buy(session, b, at(2026, 5, 2), "-10.00")  # a refund: less revenue (-3 margin), not an order
    buy(session, c, at(2025, 6, 1), "999.00")  # before the period
    f = order_figures(session, Period(date(2026, 1, 1), date(2026, 11, 23)), SETTINGS)
    assert f.revenue == Decimal("170.00")
    assert (f.orders, f.customers) == (3, 2)
    assert f.aov == Decimal("56.67")  # 170 / 3
    assert f.frequency == pytest.approx(1.5)
    assert f.margin == Decimal("61.00")  # 40 + 0.3 * (50 + 30 - 10)
    assert f.margin_rate == pytest.approx(61 / 170)


def test_empty_period_has_no_ratios(session: Session, frozen_now: datetime) -> None:
    f = order_figures(session, Period(date(2026, 1, 1), date(2026, 1, 31)), SETTINGS)
    assert (f.revenue, f.orders, f.aov, f.frequency, f.margin_rate) == (Decimal("0.00"), 0, None, None, None)


def test_historical_clv_is_margin_earned_so_far(session: Session, frozen_now: datetime) -> None:
    a = id_of(create_customer(session, name="Ann"))
    b = id_of(create_customer(session, name="Bob"))
    buy(session, a, at(2024, 1, 1), "100.00", cost="60.00")
    buy(session, a, at(2026, 1, 1), "50.00")  # 40 + 15 = 55
    buy(session, b, at(2025, 1, 1), "200.00")  # 60
    ranking = historical_clv(session, SETTINGS)
    assert [(v.name, v.orders, v.revenue, v.margin) for v in ranking] == [
        ("Bob", 1, Decimal("200.00"), Decimal("60.00")),
        ("Ann", 2, Decimal("150.00"), Decimal("55.00")),
    ]
    one = customer_value(session, a, SETTINGS)
    assert one is not None and one.margin == Decimal("55.00")


def test_simple_clv(session: Session, frozen_now: datetime) -> None:
    """Four customers at the start, one lost: yearly churn 25%, lifetime 4 years. In the year: four orders of
    100 from three customers. CLV = 100 x 4/3 x 0.30 x 4 = 160."""
    ids = [id_of(create_customer(session, name=n)) for n in ("A", "B", "C", "D")]
    for cid in ids:
        buy(session, cid, at(2025, 6, 1), "1.00")
    churn(session, ids[3], at(2026, 3, 1), "price")
    for cid in (ids[0], ids[0], ids[1], ids[2]):
        buy(session, cid, at(2026, 5, 1), "100.00")
    result = simple_clv(session, period_between(), SETTINGS)
    assert result.aov == Decimal("100.00")
    assert result.frequency_per_year == pytest.approx(4 / 3)
    assert result.margin_rate == pytest.approx(0.30)
    assert result.yearly_churn == pytest.approx(0.25)
    assert result.expected_lifetime_years == pytest.approx(4.0)
    assert result.value == Decimal("160.00")


def test_simple_clv_scales_a_half_year_to_a_year_and_is_none_without_churn(
    session: Session, frozen_now: datetime
) -> None:
    a = id_of(create_customer(session, name="A"))
    buy(session, a, at(2026, 6, 1))
    half = Period(date(2026, 5, 1), date(2026, 10, 27))  # 180 days
    result = simple_clv(session, half, SETTINGS)
    assert result.frequency_per_year == pytest.approx(365 / 180)
    assert result.yearly_churn is None and result.value is None  # nobody at the start: no churn figure


# --- retention and churn --------------------------------------------------------------------------------------


@pytest.fixture
def retention_desk(session: Session, frozen_now: datetime) -> dict[str, int]:
    """Period 2026-01-01..2026-06-30.
    A bought 2025-05 (S, E). B bought 2025-06, lost 2026-03 for price (S, lost). C bought 2025-07, lost
    2025-12 (neither). D first bought 2026-02 (N, E). E bought 2025-08, lost 2026-02 to a competitor, back with a
    purchase in 2026-04 (S, lost, E). F is a lead. G first bought 2026-07 (after)."""
    c = {
        k: id_of(create_customer(session, name=k, source=src, tags=tags))
        for k, src, tags in (
            ("A", "web", "vip,b2b"),
            ("B", "web", "b2b"),
            ("C", "web", ""),
            ("D", "fair", ""),
            ("E", "fair", ""),
            ("F", "", ""),
            ("G", "fair", ""),
        )
    }
    buy(session, c["A"], at(2025, 5, 1))
    buy(session, c["B"], at(2025, 6, 1))
    churn(session, c["B"], at(2026, 3, 1), "price")
    buy(session, c["C"], at(2025, 7, 1))
    churn(session, c["C"], at(2025, 12, 1), "quality")
    buy(session, c["D"], at(2026, 2, 1))
    buy(session, c["E"], at(2025, 8, 1))
    churn(session, c["E"], at(2026, 2, 1), "competitor")
    buy(session, c["E"], at(2026, 4, 1))
    buy(session, c["G"], at(2026, 7, 15))
    return c


H1 = Period(date(2026, 1, 1), date(2026, 6, 30))


def test_retention_rate_e_minus_n_over_s(session: Session, retention_desk: dict[str, int]) -> None:
    r = retention_rate(session, H1)
    assert (r.at_start, r.at_end, r.new) == (3, 3, 1)  # S = A, B, E; E = A, D, E; N = D
    assert r.rate == pytest.approx((3 - 1) / 3 * 100)


def test_churn_rate_counts_losses_among_customers_at_the_start(
    session: Session, retention_desk: dict[str, int]
) -> None:
    c = churn_rate(session, H1)
    assert (c.at_start, c.lost) == (3, 2)  # B and E (E came back, but was lost in the period)
    assert c.rate == pytest.approx(2 / 3)
    assert c.yearly_rate() == pytest.approx(2 / 3 * 365 / 181)


def test_churn_reasons_in_the_period(session: Session, retention_desk: dict[str, int]) -> None:
    reasons = {r.reason: (r.customers, r.share) for r in churn_reasons(session, H1)}
    assert reasons["price"] == (1, 0.5)
    assert reasons["competitor"] == (1, 0.5)
    assert reasons["quality"] == (0, 0.0)  # C was lost in December, before the period
    assert set(reasons) == {"not_cared_for", "quality", "competitor", "price", "no_longer_needed", "other"}


def test_retention_by_month(session: Session, retention_desk: dict[str, int]) -> None:
    months = retention_by_month(session, H1)
    assert len(months) == 6
    feb = months[1]  # S = A, B, E; E lost on 1 Feb, D gained on 1 Feb -> E = A, B, D
    assert (feb.at_start, feb.at_end, feb.new) == (3, 3, 1)
    assert feb.rate == pytest.approx(200 / 3)
    april = months[3]  # S = A, D (B lost in March, E still lost); E returns -> E = A, D, E; N = 0
    assert (april.at_start, april.at_end, april.new) == (2, 3, 0)
    assert april.rate == pytest.approx(150.0)  # a win-back can push a month over 100%


def test_segments_by_source_and_tag(session: Session, retention_desk: dict[str, int]) -> None:
    by_source = {s.value: s for s in segments(session, H1, SETTINGS, "source")}
    web, fair, none = by_source["web"], by_source["fair"], by_source["(none)"]
    assert (web.customers, web.buyers, web.at_start, web.at_end, web.new, web.lost) == (3, 3, 2, 1, 0, 1)
    assert web.retention_rate == pytest.approx(50.0) and web.churn_rate == pytest.approx(0.5)
    assert web.margin == Decimal("90.00") and web.clv_per_buyer == Decimal("30.00")  # 3 x 100 x 0.30 / 3
    assert (fair.customers, fair.buyers, fair.at_start, fair.at_end, fair.new, fair.lost) == (3, 3, 1, 2, 1, 1)
    assert fair.retention_rate == pytest.approx(100.0) and fair.churn_rate == pytest.approx(1.0)
    assert fair.margin == Decimal("120.00") and fair.clv_per_buyer == Decimal("40.00")  # D 1, E 2, G 1 orders
    assert (none.customers, none.buyers, none.clv_per_buyer) == (1, 0, None)
    by_tag = {s.value: s for s in segments(session, H1, SETTINGS, "tag")}
    assert (by_tag["b2b"].customers, by_tag["b2b"].at_start, by_tag["b2b"].lost) == (2, 2, 1)
    assert by_tag["vip"].customers == 1 and by_tag["(none)"].customers == 5
    owners = segments(session, H1, SETTINGS, "owner")
    assert [(s.value, s.customers) for s in owners] == [("tester", 7)]
    with pytest.raises(ValueError):
        segments(session, H1, SETTINGS, "colour")


def test_purchase_interval_and_three_cycles(session: Session, frozen_now: datetime) -> None:
    a, b, c, d = (id_of(create_customer(session, name=n)) for n in "ABCD")
    for day in (1, 11, 21):
        buy(session, a, at(2026, 1, day))  # every 10 days
    buy(session, b, at(2026, 1, 1))
    buy(session, b, at(2026, 1, 31))  # 30 days
    buy(session, c, at(2026, 1, 1))
    buy(session, c, at(2026, 2, 10, 9))
    buy(session, c, at(2026, 2, 10, 15))  # the same day twice: one purchase day -> 40 days
    buy(session, d, at(2026, 1, 1))  # one-time buyer: no interval
    interval = purchase_interval(session)
    assert interval.typical_days == pytest.approx(30.0)  # median of 10, 30, 40
    assert (interval.repeat_customers, interval.measuring_days) == (3, 90)


# --- NPS -------------------------------------------------------------------------------------------------------


def test_nps_counts_each_customers_latest_answer(session: Session, frozen_now: datetime) -> None:
    p1, p2, p3, p4, p5 = (id_of(create_customer(session, name=f"P{i}")) for i in range(1, 6))

    def answer(cid: int, score: int, when: datetime) -> None:
        log_interaction(session, cid, channel="call", summary="asked", score=score, occurred_at=when)

    answer(p1, 10, at(2026, 10, 3))
    answer(p2, 3, at(2026, 10, 5))
    answer(p2, 9, at(2026, 11, 2))  # changed their mind: counts as a promoter
    answer(p3, 7, at(2026, 11, 3))
    answer(p4, 0, at(2026, 11, 4))
    answer(p5, 10, at(2026, 8, 1))  # outside the period
    period = Period(date(2026, 10, 1), date(2026, 11, 23))
    nps = net_promoter_score(session, period)
    assert (nps.respondents, nps.promoters, nps.passives, nps.detractors) == (4, 2, 1, 1)
    assert nps.score == pytest.approx(25.0)  # (2 - 1) / 4 x 100
    october, november = nps_by_month(session, period)
    assert (october.respondents, october.score) == (2, 0.0)  # 10 and 3
    assert november.respondents == 3 and november.score == pytest.approx(0.0)  # 9, 7, 0
    empty = net_promoter_score(session, Period(date(2025, 1, 1), date(2025, 1, 31)))
    assert (empty.respondents, empty.score) == (0, None)


# --- health ----------------------------------------------------------------------------------------------------


def test_health_score_and_its_parts_by_hand(session: Session, frozen_now: datetime) -> None:
    h = id_of(create_customer(session, name="Hilda", cadence_days=10))
    buy(session, h, at(2026, 10, 4))
    buy(session, h, at(2026, 10, 24))  # usual interval 20 days; silent 30 days -> 1.5 intervals -> 50
    open_complaint(session, h, subject="Late delivery", opened_at=at(2026, 11, 10), settings=SETTINGS)  # -> 50
    log_interaction(session, h, channel="call", summary="how are we doing?", score=8, occurred_at=at(2026, 11, 8))
    # feedback 8 -> 80; last contact 15 days ago against a 10-day cadence -> 1.5 cadences -> 50
    health = customer_health(session, h, SETTINGS)
    assert health is not None
    parts = {p.name: p.score for p in health.parts}
    assert parts == {"recency": 50.0, "complaints": 50.0, "feedback": 80.0, "contact": 50.0}
    assert health.score == 56  # 0.4*50 + 0.25*50 + 0.2*80 + 0.15*50
    assert "30 days ago" in health.parts[0].detail


def test_health_leaves_out_parts_that_do_not_apply(session: Session, frozen_now: datetime) -> None:
    lead = id_of(create_customer(session, name="New lead"))  # no purchases, no answers; added today
    health = customer_health(session, lead, SETTINGS)
    assert health is not None
    assert {p.name: p.score for p in health.parts} == {
        "recency": None,
        "complaints": 100.0,
        "feedback": None,
        "contact": 100.0,
    }
    assert health.score == 100


def test_one_time_buyer_is_measured_against_the_typical_interval(session: Session, frozen_now: datetime) -> None:
    regular, once = id_of(create_customer(session, name="Regular")), id_of(create_customer(session, name="Once"))
    buy(session, regular, at(2026, 9, 1))
    buy(session, regular, at(2026, 9, 21))  # typical interval: 20 days
    buy(session, once, at(2026, 10, 24))  # 30 days ago: 1.5 typical intervals -> 50
    health = customer_health(session, once, SETTINGS, typical_interval=20.0)
    assert health is not None and health.parts[0].score == pytest.approx(50.0)
    assert "typical interval is 20 days" in health.parts[0].detail
    assert customer_health(session, once, SETTINGS) == health  # the typical interval worked out, then remembered
    buy(session, regular, at(2026, 10, 1))  # Regular now buys every 15 days: the desk's typical interval moves
    moved = customer_health(session, once, SETTINGS)
    assert moved is not None and "typical interval is 15 days" in moved.parts[0].detail
    worst = attention_list(session, SETTINGS)
    assert worst[0].name == "Regular"  # 53 days silent against 15: recency 0


# --- funnel and owners --------------------------------------------------------------------------------------------


def test_funnel_counts_and_conversion(session: Session, frozen_now: datetime) -> None:
    l1 = id_of(create_customer(session, name="L1"))  # stays a lead
    l2 = id_of(create_customer(session, name="L2"))
    change_stage(session, l2, "consideration", reason="asked for a quote")
    b1, b2, b3, x = (id_of(create_customer(session, name=n)) for n in ("B1", "B2", "B3", "X"))
    for cid in (b1, b2, b3, x):
        buy(session, cid, at(2026, 11, 23, 10))
    for cid in (b2, b3):
        buy(session, cid, at(2026, 11, 23, 11))
    log_interaction(session, b3, channel="call", summary="loves us", score=10)
    churn(session, x, at(2026, 11, 23, 11), "other")
    result = funnel(session)
    steps = {s.stage: s for s in result.steps}
    assert [steps[s].customers for s in ("awareness", "consideration", "purchase", "retention", "advocacy")] == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert [steps[s].reached for s in ("awareness", "consideration", "purchase", "retention", "advocacy")] == [
        6,
        5,
        4,
        2,
        1,
    ]
    assert steps["awareness"].conversion == pytest.approx(5 / 6)
    assert steps["consideration"].conversion == pytest.approx(4 / 5)
    assert steps["purchase"].conversion == pytest.approx(2 / 4)
    assert steps["retention"].conversion == pytest.approx(1 / 2)
    assert steps["advocacy"].conversion is None
    assert (result.churned, result.churned_ever) == (1, 1)
    assert l1 is not None


def test_funnel_median_time_in_stage_from_history(session: Session, engine: Engine, frozen_now: datetime) -> None:
    c1, c2, c3 = (id_of(create_customer(session, name=n)) for n in ("C1", "C2", "C3"))
    session.execute(delete(StageChange))
    day0 = at(2026, 1, 1)

    def history(cid: int, *steps: tuple[int, str | None, str]) -> list[dict[str, object]]:
        return [
            {"customer_id": cid, "at": day0 + timedelta(days=d), "from_stage": f, "to_stage": t, "reason": "x"}
            for d, f, t in steps
        ]

    rows = history(c1, (0, None, "awareness"), (2, "awareness", "consideration"), (12, "consideration", "purchase"))
    rows += history(
        c2,
        (0, None, "awareness"),
        (4, "awareness", "consideration"),
        (8, "consideration", "purchase"),
        (38, "purchase", "retention"),
    )
    rows += history(c3, (0, None, "awareness"))  # still a lead: an unfinished stay is not measured
    rows += history(c3, (-30, "purchase", "retention"))  # out of order (imported history): skipped
    session.execute(insert(table_of(StageChange)), rows)
    steps = {s.stage: s for s in funnel(session).steps}
    assert (steps["awareness"].median_days, steps["awareness"].stays) == (3.0, 2)  # 2 and 4 days
    assert (steps["consideration"].median_days, steps["consideration"].stays) == (7.0, 2)  # 10 and 4
    assert (steps["purchase"].median_days, steps["purchase"].stays) == (30.0, 1)
    assert steps["retention"].median_days is None
    cohort = funnel(session, Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert cohort.steps[0].reached == 2  # C3's first change is in December 2025 (out-of-order row)


def test_owner_changes_per_customer(session: Session, frozen_now: datetime) -> None:
    a = id_of(create_customer(session, name="Rotated", owner="anna"))
    b = id_of(create_customer(session, name="Steady", owner="anna"))
    update_customer(session, a, owner="bence")
    update_customer(session, a, owner="thabo")
    update_customer(session, b, owner="bence")
    rows = owner_changes(session)
    assert [(r.name, r.owner, r.changes) for r in rows] == [("Rotated", "thabo", 2), ("Steady", "bence", 1)]
    assert owner_changes(session, Period(date(2025, 1, 1), date(2025, 12, 31))) == ()
    assert [r.changes for r in owner_changes(session, customer_id=b)] == [1]
