"""The desk does the remembering while it is open: no command has to run for a check-in to appear."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.records import clock
from deskapp.core.records.tables import FollowUp
from deskapp.tui.widgets.tables import DeskTable
from tests.core.ids import id_of
from tests.tui.conftest import FIXED_NOW, make_app, record_notifications, settle, wait_until


def _rows(table: DeskTable) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_a_cadence_that_ran_out_yesterday_shows_on_today_without_any_command(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW - timedelta(days=40))
    with session_scope(engine, staff="tester", write=True) as s:
        cid = id_of(customers.create_customer(s, name="Ilona Varga", owner="tester", cadence_days=30))
        activity.log_interaction(
            s, cid, channel="call", summary="chat", occurred_at=FIXED_NOW - timedelta(days=31), direction="in"
        )
        quiet = id_of(customers.create_customer(s, name="Nobody Due", owner="tester"))
        activity.log_interaction(s, quiet, channel="call", summary="hi", occurred_at=FIXED_NOW - timedelta(days=2))
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    app = make_app(engine, sweep_seconds=300)  # as a real desk: sweep on open, then every five minutes
    seen = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:

        def shows_check_in() -> bool:
            table = app.screen.query_one("#due-today", DeskTable)
            return any("Ilona Varga" in row and "Regular check-in" in row for row in _rows(table))

        assert await wait_until(pilot, shows_check_in, timeout=8.0)
        await settle(pilot)
        assert ("Reminders", "Added 1 cadence.", "information") in seen
    with session_scope(engine) as s:
        made = s.scalars(select(FollowUp).where(col(FollowUp.external_id).like("auto:cadence:%"))).all()
        assert [f.customer_id for f in made] == [cid]  # the other customer got nothing
    # A second desk opening the same file adds nothing more.
    again = make_app(engine, sweep_seconds=300)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 1


async def test_a_lapsed_customer_is_offered_as_churned_with_the_reason_asked(sample_engine: Engine) -> None:
    """Eero Pöllänen (demo) last bought 396 days ago against a 63-day rhythm: lapsed, nobody marked him."""
    from deskapp.tui.dialogs.customer_forms import StageForm
    from tests.tui.test_snapshots import customer_id, demo_app

    target = customer_id(sample_engine, "Eero Pöllänen")
    app = demo_app(sample_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(target)
        await settle(pilot)
        health = str(app.screen.query_one("#health").render())
        assert "Lapsed" in health and "mark churned? s" in health
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StageForm)
        assert form.query_one("#input-stage").value == "churned"  # type: ignore[attr-defined]
        assert str(form.query_one("#input-reason").value).startswith("lapsed: no purchase for")  # type: ignore[attr-defined]
        await pilot.press("escape")


async def test_a_referral_from_the_customer_page_thanks_the_referrer(sample_engine: Engine) -> None:
    from sqlmodel import col as column

    from deskapp.core.records.tables import Referral
    from tests.tui.test_snapshots import customer_id, demo_app

    referrer = customer_id(sample_engine, "Eero Pöllänen")
    app = demo_app(sample_engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(referrer)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Themba Ntu", "ctrl+s")  # part of the name is enough when it names one customer
        await settle(pilot)
    with session_scope(sample_engine) as s:
        (made,) = s.scalars(select(Referral).where(column(Referral.referrer_id) == referrer)).all()
        assert made.referred_id == customer_id(sample_engine, "Themba Ntuli")
        thanks = s.scalars(
            select(FollowUp).where(column(FollowUp.customer_id) == referrer, column(FollowUp.note).like("Thank them%"))
        ).all()
        assert [f.note for f in thanks] == ["Thank them for referring Themba Ntuli."]
