"""The Settings page: reached by `7` and the command palette, Enter edits one value in a small form
checked by the core, saved in a worker and shown at once; `r` puts a value back to its default."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, Static

from deskapp.core.db.engine import session_scope
from deskapp.core.records.settings import load_settings
from deskapp.core.records.tables import AuditEntry
from deskapp.tui.dialogs.forms import ConfirmScreen
from deskapp.tui.dialogs.setting_form import SettingForm
from deskapp.tui.pages.settings import SettingsScreen
from deskapp.tui.widgets.tables import DeskTable
from tests.tui.conftest import SmallDesk, make_app, record_notifications, settle
from tests.tui.test_snapshots import SIZE, SnapCompare, demo_app, keys


async def settings_page(pilot: Pilot[Any]) -> SettingsScreen:
    """Page key 7, from the start page, once it has loaded."""
    await settle(pilot)
    await pilot.press("7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SettingsScreen)
    return screen


def shown(screen: SettingsScreen, key: str) -> str:
    table = screen.query_one("#settings", DeskTable)
    return str(table.get_row(key)[1].plain)


async def test_a_setting_changed_in_the_form_is_stored_audited_and_shown(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    seen = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settings_page(pilot)
        assert shown(screen, "currency") == "EUR"
        await pilot.press("down", "enter")  # the second row: currency
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SettingForm) and form.view.key == "currency"
        await pilot.press("k", "r")  # the current value is selected: typing replaces it
        await pilot.press("enter")
        await settle(pilot)
        error = form.query_one("#error-currency", Static)
        assert app.screen is form and "ISO 4217" in str(error.render())  # refused, under the field
        form.query_one("#input-currency", Input).value = ""
        await pilot.press("s", "e", "k", "enter")
        await settle(pilot)
        assert isinstance(app.screen_stack[-1], SettingsScreen)  # the form closed
        assert shown(screen, "currency") == "SEK"
        assert ("", "currency changed from EUR to SEK", "information") in seen
    with session_scope(small_desk.engine) as s:
        assert load_settings(s).currency == "SEK"
        entry = s.execute(select(AuditEntry).where(col(AuditEntry.action) == "setting")).scalars().one()
        assert (entry.staff, json.loads(entry.changes)) == ("tester", {"key": "currency", "value": ["EUR", "SEK"]})


async def test_keys_typed_in_the_same_burst_as_enter_go_into_the_form(small_desk: SmallDesk) -> None:
    """A fast typist (or a paste) sends Enter and the value at once: the digits must not switch pages
    (1-7 are page keys) nor vanish while the form is being pushed; they replace the value, in order."""
    app = make_app(small_desk.engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settings_page(pilot)
        screen.query_one("#settings", DeskTable).move_cursor(row=5)  # thank_you_after_days
        await settle(pilot)
        for key, character in (("enter", "\r"), ("1", "1"), ("4", "4")):
            app.post_message(events.Key(key, character))  # all queued before the form can open
        await settle(pilot)
        form = app.screen
        assert isinstance(form, SettingForm) and form.view.key == "thank_you_after_days"
        assert form.query_one("#input-thank_you_after_days", Input).value == "14"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen_stack[-1], SettingsScreen) and shown(screen, "thank_you_after_days") == "14"
    with session_scope(small_desk.engine) as s:
        assert load_settings(s).thank_you_after_days == 14


async def test_reset_asks_first_then_puts_the_default_back(small_desk: SmallDesk) -> None:
    from deskapp.core.ops.settings_admin import change_setting

    with session_scope(small_desk.engine, write=True) as s:
        change_setting(s, "phone_region", "ZA")
    app = make_app(small_desk.engine)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settings_page(pilot)
        assert shown(screen, "phone_region") == "ZA"
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert shown(screen, "phone_region") == "GB"
    with session_scope(small_desk.engine) as s:
        assert load_settings(s).phone_region == "GB"


async def test_the_palette_goes_to_the_settings_page(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Go to Settings" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Go to Settings")
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)


class TestSnapshots:
    def test_settings_page(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=keys("7"))

    def test_settings_page_small_terminal(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        assert snap_compare(demo_app(sample_engine), terminal_size=(80, 24), run_before=keys("7"))

    def test_setting_form(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = keys("7", "down", "down", "down", "enter")
        assert snap_compare(demo_app(sample_engine), terminal_size=(80, 24), run_before=run_before)
