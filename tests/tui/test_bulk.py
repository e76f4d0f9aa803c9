"""Bulk edits on the Customers page, driven by keys: mark rows, choose the change, confirm once, undo."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col
from textual.pilot import Pilot
from textual.widgets import Select, Static

from deskapp.core import history as bulk_core  # the face the desk calls
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import AuditEntry, Customer, Stage, StageChange
from deskapp.tui.app import DeskApp
from deskapp.tui.dialogs.bulk import BulkForm
from deskapp.tui.dialogs.forms import ConfirmScreen
from deskapp.tui.pages.customers import CustomersScreen
from deskapp.tui.widgets.inputs import DeskInput
from deskapp.tui.widgets.tables import DeskTable
from tests.tui.conftest import SmallDesk, cell_text, make_app, record_notifications, searched, settle
from tests.tui.test_snapshots import SIZE, SnapCompare, demo_app


def table_of(app: DeskApp) -> DeskTable:
    return app.screen.query_one("#customers", DeskTable)


def names(app: DeskApp) -> list[str]:
    table = table_of(app)
    return [cell_text(table, r, 0) for r in range(table.row_count)]


def status(app: DeskApp) -> str:
    return str(app.screen.query_one("#customers-status", Static).content)


def rows(engine: Engine) -> dict[str, tuple[str, str, str, int]]:
    with session_scope(engine) as s:
        return {c.name: (c.tags, c.owner, str(c.stage), c.version) for c in s.execute(select(Customer)).scalars()}


def table_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    from sqlmodel import SQLModel

    with engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in SQLModel.metadata.sorted_tables
            if t.name != "audit_entry"
        }


async def open_customers_and_mark_all_three(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("down")  # from the search box into the results
    for _ in range(3):
        await pilot.press("space")  # marks the row and moves to the next
    await pilot.pause()


async def bulk(pilot: Pilot[Any], action: str, value: str = "", save: str = "ctrl+s", **selects: str) -> None:
    """b, choose the action (and the value), save: the confirmation is then on screen."""
    await pilot.press("b")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, BulkForm)
    form.query_one("#input-action", Select).value = action
    await pilot.pause()
    for name, chosen in selects.items():
        form.query_one(f"#input-{name}", Select).value = chosen
    await pilot.pause()
    if value:
        form.query_one("#input-value", DeskInput).focus()
        await pilot.press(*value)
    await pilot.press(save)
    await pilot.pause()


async def test_mark_three_tag_them_see_it_on_screen_and_in_the_database(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    seen = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customers_and_mark_all_three(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert names(app) == ["✓ Bob Builder", "✓ Åsa Lindqvist", "✓ Ödön Kovács"]
        assert status(app).endswith("3 of 3 customers · 3 selected")

        await bulk(pilot, "tag", "[bold]x[/]", save="enter")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert str(confirm.query_one(".confirm-question", Static).content) == "Add the tag [bold]x[/] to 3 customers?"
        await pilot.press("y")
        await settle(pilot)

        assert isinstance(app.screen, CustomersScreen)
        assert names(app) == ["Bob Builder", "Åsa Lindqvist", "Ödön Kovács"]  # marks cleared
        table = table_of(app)
        assert [cell_text(table, r, 5) for r in range(3)] == [
            "[bold]x[/]",
            "vip, [bold]x[/]",
            "[bold]x[/]",
        ]
        assert status(app) == "3 of 3 customers"
        assert ("", "Tagged 3 customers [bold]x[/]. ^z undoes it.", "information") in seen
    assert {name: tags for name, (tags, *_) in rows(small_desk.engine).items()} == {
        "Ödön Kovács": ",[bold]x[/],",
        "Åsa Lindqvist": ",vip,[bold]x[/],",
        "Bob Builder": ",[bold]x[/],",
    }


async def test_change_the_stage_then_undo_restores_the_database(
    small_desk: SmallDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    for name in ("bulk_edit", "undo_bulk"):
        original = getattr(bulk_core, name)

        def spy(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            threads.append(threading.current_thread().name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(bulk_core, name, spy)
    monkeypatch.setenv("DESKAPP_KEYS", "customers.undo-bulk=ctrl+u")  # the notification names the key in use
    before = table_dump(small_desk.engine)
    app = make_app(small_desk.engine)
    seen = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customers_and_mark_all_three(pilot)
        await bulk(pilot, "stage", stage="churned", churn_reason="competitor")
        assert isinstance(app.screen, ConfirmScreen)
        question = str(app.screen.query_one(".confirm-question", Static).content)
        assert question == "Change the stage of 3 customers to churned (competitor)?"
        await pilot.press("enter")
        await settle(pilot)
        assert [cell_text(table_of(app), r, 2) for r in range(3)] == ["churned"] * 3
        with session_scope(small_desk.engine) as s:
            moved = s.execute(select(StageChange).where(col(StageChange.to_stage) == Stage.CHURNED)).scalars().all()
            assert sorted((m.churn_reason, m.reason) for m in moved) == [("competitor", "bulk edit")] * 3

        assert ("", "Moved 3 customers to churned. ^u undoes it.", "information") in seen
        await pilot.press("ctrl+u")
        await settle(pilot)
        assert ("", "Undid the bulk edit: 3 customers back as they were.", "information") in seen
        assert [cell_text(table_of(app), r, 2) for r in range(3)] == [
            "awareness",
            "awareness",
            "retention",
        ]
        await pilot.press("ctrl+u")  # nothing left to undo: the key does nothing
        await settle(pilot)
    assert table_dump(small_desk.engine) == before
    assert len(threads) == 2 and threading.main_thread().name not in threads  # both ran in workers


async def test_undo_refused_after_a_later_edit_says_who(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    seen = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customers_and_mark_all_three(pilot)
        await bulk(pilot, "owner", "zoe")
        await pilot.press("y")
        await settle(pilot)
        assert [cell_text(table_of(app), r, 3) for r in range(3)] == ["zoe"] * 3
        with session_scope(small_desk.engine, staff="tester", write=True) as s:
            customers.update_customer(s, small_desk.ids["asa"], company="Nordljus AB (Malmö)")
        await pilot.press("ctrl+z")
        await settle(pilot)
        refusals = [message for title, message, severity in seen if severity == "error"]
        assert len(refusals) == 1 and "Åsa Lindqvist" in refusals[0] and "can't be undone" in refusals[0]
    assert {owner for _t, owner, _s, _v in rows(small_desk.engine).values()} == {"zoe"}


async def test_cancelling_the_confirmation_changes_nothing(small_desk: SmallDesk) -> None:
    before = table_dump(small_desk.engine)
    with session_scope(small_desk.engine) as s:
        audit_before = len(s.execute(select(col(AuditEntry.id))).all())
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customers_and_mark_all_three(pilot)
        await bulk(pilot, "archive")
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one(".confirm-question", Static).content) == "Archive 3 customers?"
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        assert table_of(app).row_count == 3
        assert status(app).endswith("3 selected")  # the marks stay for another try
        await pilot.press("escape")
        await pilot.pause()
        assert status(app) == "3 of 3 customers"
        assert names(app) == ["Bob Builder", "Åsa Lindqvist", "Ödön Kovács"]
    assert table_dump(small_desk.engine) == before
    with session_scope(small_desk.engine) as s:
        assert len(s.execute(select(col(AuditEntry.id))).all()) == audit_before


async def test_the_dialog_refuses_a_missing_value_and_keeps_the_marks(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customers_and_mark_all_three(pilot)
        await bulk(pilot, "owner")  # no owner typed
        form = app.screen
        assert isinstance(form, BulkForm)
        assert str(form.query_one("#error-value", Static).content) == "is required"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CustomersScreen) and status(app).endswith("3 selected")


async def test_mark_all_and_again_unmarks(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("space")  # in the search box: a space, not a mark
        await searched(pilot)
        assert status(app) == "3 of 3 customers"
        await pilot.press("down", "ctrl+a")
        await pilot.pause()
        assert status(app).endswith("3 selected") and all(n.startswith("✓ ") for n in names(app))
        await pilot.press("ctrl+a")
        await pilot.pause()
        assert status(app) == "3 of 3 customers" and not any(n.startswith("✓ ") for n in names(app))


# --- snapshots -------------------------------------------------------------------------------------------


async def _marked_rows(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    await pilot.press("down", "space", "down", "space", "space")
    await settle(pilot)


def test_snapshot_customers_with_rows_marked(sample_engine: Engine, snap_compare: SnapCompare) -> None:
    assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=_marked_rows)


def test_snapshot_bulk_dialog(sample_engine: Engine, snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _marked_rows(pilot)
        await pilot.press("b")
        await settle(pilot)

    assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)
