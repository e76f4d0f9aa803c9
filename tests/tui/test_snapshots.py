"""SVG snapshots of each page at 120x40 on the sample business, clock fixed at 2026-11-23 09:30 UTC.

Deterministic by construction: the sample's dates are offsets from that day, DESKAPP_NOW fixes the clock
in the app's workers, the header names a fixed database, cursors don't blink and polling is off.
Update with `pytest tests/tui/test_snapshots.py --snapshot-update` after checking the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col
from textual.pilot import Pilot

from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import Customer
from deskapp.tui.app import DeskApp
from tests.tui.conftest import settle

SIZE = (120, 40)
SnapCompare = Callable[..., bool]


def demo_app(engine: Engine, *, notify: bool = False) -> DeskApp:
    return DeskApp(
        engine,
        url=make_url("sqlite:///demo.db"),
        staff="anna",
        poll_seconds=0,
        cursor_blink=False,
        start_notification=notify,
    )


def customer_id(engine: Engine, name: str) -> int:
    with session_scope(engine) as s:
        return int(s.execute(select(col(Customer.id)).where(col(Customer.name) == name)).scalar_one())


def keys(*presses: str, pause: float = 0.0) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)
        if pause:
            await pilot.pause(pause)
            await settle(pilot)

    return run_before


def opened(engine: Engine, name: str, *presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    target = customer_id(engine, name)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        assert isinstance(pilot.app, DeskApp)
        pilot.app.open_customer(target)
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run_before


class TestPages:
    def test_today(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine, notify=True), terminal_size=SIZE, run_before=keys())

    def test_customers(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("2"))

    def test_customers_search(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = keys("2", "k", "o", "v", pause=0.3)
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_customer(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = opened(sample_engine, "Ödön Kovács")
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_customer_notes_with_markup_show_literally(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = opened(sample_engine, "Åsa Lindqvist")
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_complaints(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("3"))

    def test_follow_ups(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("4"))


class TestDialogs:
    def test_log_call_form(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = opened(sample_engine, "Ödön Kovács", "l")
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_help(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("question_mark"))
