"""The Reports page (charts and figures, one worker), the health and value on the Customer page."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from textual.screen import Screen
from textual.widgets import Static

from deskapp.tui.pages.customer import CustomerScreen
from deskapp.tui.pages.reports import ReportsScreen, bar, diverging_bar
from tests.tui.conftest import SmallDesk, make_app, settle
from tests.tui.test_snapshots import SIZE, SnapCompare, customer_id, demo_app, keys


def text_of(screen: Screen[Any], selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


def test_bar_uses_eighths_and_caps_at_the_width() -> None:
    assert bar(0, 10) == ""
    assert bar(10, 10, width=4) == "████"
    assert bar(5, 10, width=3) == "█▌"
    assert bar(20, 10, width=2) == "██"
    assert bar(1, 0) == ""


def test_a_negative_nps_is_drawn_left_of_zero() -> None:
    negative, positive = str(diverging_bar(-40, half=10)), str(diverging_bar(40, half=10))
    assert negative == "      ████│          " and positive == "          │████      "
    assert len(negative) == len(positive) == 21


async def test_reports_list_who_is_at_risk_lapsed_and_needs_attention(sample_engine: Engine) -> None:
    app = demo_app(sample_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        at_risk = text_of(screen, "#at-risk")
        assert "P(alive)" in at_risk and "their usual" in at_risk  # the model's figure beside the plain rule
        lapsed = text_of(screen, "#lapsed")
        assert "(lapsed after 3)" in lapsed and "Mark one churned" in lapsed
        attention = text_of(screen, "#attention")
        assert "recency" in attention
        assert "lapsed counted out" in text_of(screen, "#report-figures")


async def test_reports_show_figures_and_charts_on_the_sample(sample_engine: Engine) -> None:
    app = demo_app(sample_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        figures = text_of(screen, "#report-figures")
        for label in ("AOV 193.51", "Churn 7.7%", "Retention 72.6%", "NPS +39", "Simple CLV 6,439.63"):
            assert label in figures
        funnel = text_of(screen, "#funnel")
        assert "awareness" in funnel and "retention" in funnel and "→ 90.0%" in funnel and "churned" in funnel
        assert "█" in funnel
        assert "Nov 2026" in text_of(screen, "#retention")
        assert "not cared for" in text_of(screen, "#churn-reasons")
        assert "Oct 2026" in text_of(screen, "#nps") and "+62" in text_of(screen, "#nps")
        clv = text_of(screen, "#clv")
        assert "computing" not in clv and "█" in clv


async def test_reports_on_a_desk_too_small_for_the_model_say_so_calmly(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReportsScreen)
        assert "Not enough purchase history" in text_of(screen, "#clv")
        assert "Nobody was lost" in text_of(screen, "#churn-reasons")
        assert "AOV –" in text_of(screen, "#report-figures")


async def test_customer_page_shows_health_parts_and_value(sample_engine: Engine) -> None:
    app = demo_app(sample_engine)
    target = customer_id(sample_engine, "Åsa Lindqvist")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_customer(target)
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        health = text_of(app.screen, "#health")
        assert "Health 89/100" in health
        for part in ("recency", "complaints", "feedback", "contact"):
            assert part in health
        assert "latest score 9/10" in health
        assert "358.03" in health  # margin earned so far: the historical CLV
        forecast = text_of(app.screen, "#forecast")  # from the desk's modified BG/NBD + Gamma-Gamma fit, after the page
        assert "P(alive)     98%" in forecast and "Predicted    216.52 in 365 days" in forecast


async def test_customer_page_on_a_desk_too_small_for_the_model(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_customer(small_desk.ids["odon"])
        await settle(pilot)
        assert "Health" in text_of(app.screen, "#health")
        assert "too little history" in text_of(app.screen, "#forecast")


def test_reports_snapshot(sample_engine: Engine, snap_compare: SnapCompare) -> None:
    assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("5"))


async def test_today_lists_customers_flagged_at_risk(sample_engine: Engine) -> None:
    from deskapp.core.analytics.automation import run_sweep
    from deskapp.core.db.engine import session_scope

    app = demo_app(sample_engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "At risk    nobody flagged" in text_of(app.screen, "#figures")
        with session_scope(sample_engine, staff="anna", write=True) as session:
            assert run_sweep(session, use_model=False).created("at_risk") == 13
        app.post_message(app.DeskChanged())
        await settle(pilot)
        line = text_of(app.screen, "#figures").splitlines()[-1]
        assert line.startswith("At risk    Annika Bergström · Annika Öberg")
        assert "and 9 more" in line
