"""The desk around the flows: literal text, live refresh, reminders coming due, palette, help, paging."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from rich.table import Table
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.widgets import Static

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.records import clock
from deskapp.core.records.tables import Customer
from deskapp.tui.app import DeskApp
from deskapp.tui.dialogs.customer_forms import CustomerForm
from deskapp.tui.dialogs.help import HelpScreen
from deskapp.tui.pages.customer import CustomerScreen
from deskapp.tui.pages.customers import CustomersScreen
from deskapp.tui.widgets.inputs import DeskInput
from deskapp.tui.widgets.tables import DeskTable
from tests.tui.conftest import SmallDesk, cell_text, make_app, record_notifications, set_value, settle, wait_until

HOSTILE = ("[bold red]X[/]", "[@click=app.quit]x[/]")


async def test_names_with_markup_or_escapes_show_literally(small_desk: SmallDesk) -> None:
    with session_scope(small_desk.engine, write=True) as s:
        for name in HOSTILE:
            customers.create_customer(s, name=name, company="[link=https://evil]co[/link]")
        sneaky = customers.create_customer(s, name="Sneaky")
    with small_desk.engine.begin() as conn:  # an import that bypassed validation left escape sequences behind
        conn.execute(
            update(Customer).where(col(Customer.id) == sneaky.id).values(name="\x1b]52;c;aGk=\x07Sneaky\x1b[31m Red")
        )
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#customers", DeskTable)
        names = {cell_text(table, row, 0) for row in range(table.row_count)}
        assert set(HOSTILE) <= names
        assert "]52;c;aGk=Sneaky[31m Red" in names  # the control characters are gone, the rest is plain text
        assert "[link=https://evil]co[/link]" in {cell_text(table, r, 1) for r in range(table.row_count)}

        row = next(r for r in range(table.row_count) if cell_text(table, r, 0) == HOSTILE[1])
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.title == HOSTILE[1]
        assert str(app.screen.query_one("#profile", Static).content).startswith(HOSTILE[1])
        await pilot.click("#profile", offset=(2, 0))  # clicking the name must not run app.quit
        await pilot.pause()
        assert app.is_running


async def test_live_refresh_shows_another_desks_write(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine, poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#customers", DeskTable)
        assert table.row_count == 3
        colleague = open_engine(small_desk.path)  # another process's desk on the same file
        try:
            with session_scope(colleague, staff="anna", write=True) as s:
                customers.create_customer(s, name="Added By Anna")
        finally:
            colleague.dispose()
        assert await wait_until(pilot, lambda: table.row_count == 4)
        assert "Added By Anna" in {cell_text(table, r, 0) for r in range(4)}


async def test_start_notification_counts_what_is_due(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
    assert ("Follow-ups", "1 follow-up overdue, 1 due today.", "warning") in notes


def _keep_polls(message: Message, polls: list[DeskApp.Polled]) -> None:
    if isinstance(message, DeskApp.Polled):
        polls.append(message)


async def test_a_follow_up_coming_due_raises_a_notification(
    small_desk: SmallDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(small_desk.engine, write=True) as s:
        activity.schedule_follow_up(s, small_desk.ids["asa"], due="2026-11-23 10:00", note="Call about the fitting")
    app = make_app(small_desk.engine, poll_seconds=0.05, due_check_seconds=0)
    notes = record_notifications(app)
    polls: list[DeskApp.Polled] = []
    async with app.run_test(size=(120, 40), message_hook=lambda m: _keep_polls(m, polls)) as pilot:
        await settle(pilot)
        assert await wait_until(pilot, lambda: len(polls) >= 3)  # the desk has looked a few times: nothing due
        await settle(pilot)
        assert not [n for n in notes if n[0] == "Follow-up due now"]
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 23, 10, 1, tzinfo=UTC))
        assert await wait_until(pilot, lambda: any(n[0] == "Follow-up due now" for n in notes))
    due = [msg for title, msg, _sev in notes if title == "Follow-up due now"]
    assert due == ["Åsa Lindqvist · check in (10:00): Call about the fitting"]


def palette_choice(app: DeskApp) -> str:
    """The command the palette would run on Enter, once its search for what was typed has finished."""
    palette = app.screen
    if not isinstance(palette, CommandPalette) or any(w.node is palette and not w.is_finished for w in app.workers):
        return ""
    hits = palette.query_one(CommandList)
    return "" if hits.highlighted is None else str(hits.get_option_at_index(hits.highlighted).prompt)


async def test_palette_jumps_to_a_customer_by_name(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"lindq")
        assert await wait_until(pilot, lambda: "Lindqvist" in palette_choice(app))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.customer_id == small_desk.ids["asa"]


async def test_palette_runs_the_pages_actions(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Go to Customers", "New customer", "Today: Log call", "Today: Done", "Theme"} <= set(titles)


async def test_help_lists_every_key(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = app.screen.query_one("#help-keys", Static).content
        assert isinstance(listed, Table)
        cells = {str(c) for column in listed.columns for c in column._cells}
        for _section, bindings in app.help_sections():
            for binding in bindings:
                if isinstance(binding, Binding) and binding.description:
                    assert binding.description in cells
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_customers_are_paged_not_loaded_whole(engine: Engine, frozen_now: datetime) -> None:
    with session_scope(engine, write=True) as s:
        for n in range(260):
            customers.create_customer(s, name=f"Customer {n:03d}")
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one("#customers", DeskTable)
        assert table.row_count == 100 and table.has_more
        table.focus()
        table.move_cursor(row=95)
        await settle(pilot)
        assert table.row_count == 200
        assert "200+ matching" in str(app.screen.query_one("#customers-status", Static).content) or "200 of 260" in str(
            app.screen.query_one("#customers-status", Static).content
        )


async def test_filters_narrow_the_list(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomersScreen)
        set_value(screen, "#filter-owner", "anna")
        await settle(pilot)
        table = screen.query_one("#customers", DeskTable)
        assert [cell_text(table, r, 0) for r in range(table.row_count)] == ["Åsa Lindqvist"]
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert table.row_count == 3


async def test_editing_over_a_colleagues_save_asks_first(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(small_desk.ids["odon"])
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CustomerForm)
        with session_scope(small_desk.engine, staff="anna", write=True) as s:
            customers.update_customer(s, small_desk.ids["odon"], company="Anna's edit")
        form.query_one("#input-company", DeskInput).value = "My edit"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and "someone else saved" in str(form.query_one("#form-error", Static).content).lower()
        await pilot.press("ctrl+s")  # saving again: mine wins, knowingly
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
    with session_scope(small_desk.engine) as s:
        assert customers.get_customer(s, small_desk.ids["odon"]).company == "My edit"


def test_run_desk_builds_the_app_from_the_cli_arguments(small_desk: SmallDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.tui import app as app_module

    started: list[DeskApp] = []
    monkeypatch.setattr(DeskApp, "run", lambda self: started.append(self))
    app_module.run_desk(engine=small_desk.engine, url=small_desk.engine.url, staff="anna")
    assert started and started[0].desk.engine is small_desk.engine
    assert started[0].sub_title.endswith(" · anna")


async def test_opening_from_only_a_url_paints_first_then_opens(tmp_path: Path) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(f"sqlite:///{tmp_path / 'fresh.db'}")
    app = DeskApp(None, url=url, staff="tester", poll_seconds=0, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.desk.is_open
        assert app.sub_title.endswith("fresh.db · tester")
        assert app.screen.query_one("#overdue", DeskTable).border_title == "Overdue · none"
    app.desk.engine.dispose()


def test_due_labels() -> None:
    from deskapp.core.records.readmodels import FollowUpRow
    from deskapp.tui.widgets.rows import due_label

    def row(days: int, at: time | None = None) -> FollowUpRow:
        return FollowUpRow(1, 1, "x", date(2026, 11, 23), at, "check_in", "", "open", "", days)

    assert due_label(row(3)).plain.endswith("3d late")
    assert due_label(row(0, time(14, 0))).plain == "today 14:00"
    assert due_label(row(0)).plain == "today"


async def test_keys_can_be_remapped_by_binding_id(small_desk: SmallDesk, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.tui.app import parse_keymap

    expected = {"follow-up.done": "D", "customer.log": "ctrl+l,L"}
    assert parse_keymap("follow-up.done=D; customer.log = ctrl+l,L;bad") == expected
    monkeypatch.setenv("DESKAPP_KEYS", "follow-up.done=z")
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#due-today", DeskTable).focus()
        await pilot.press("d")  # no longer "done"
        await settle(pilot)
        assert app.screen.query_one("#due-today", DeskTable).row_count == 1
        await pilot.press("z")
        await settle(pilot)
        assert app.screen.query_one("#due-today", DeskTable).row_count == 0
