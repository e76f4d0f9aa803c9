"""Clean data from the desk: the Duplicates page, the side-by-side merge, undo, and the warning on create.
Driven by keys through Pilot, checked on the screen and in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.hygiene import merge
from deskapp.core.records import clock
from deskapp.core.records.tables import Customer, Interaction
from deskapp.tui.dialogs.customer_forms import CustomerForm, DuplicateWarning
from deskapp.tui.dialogs.merge import MergeScreen
from deskapp.tui.pages.customer import CustomerScreen
from deskapp.tui.pages.customers import CustomersScreen
from deskapp.tui.pages.duplicates import DuplicatesScreen
from deskapp.tui.widgets.tables import DeskTable
from tests.conftest import ident
from tests.tui.conftest import FIXED_NOW, SmallDesk, make_app, record_notifications, set_value, settle, wait_until
from tests.tui.test_snapshots import SIZE, SnapCompare, demo_app

MARKUP = "[bold]Ann[/]"


def add_pairs(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Ann Smith (older, with a call logged) and Anne Smith (newer, same phone, her own e-mail), and two
    customers both called `[bold]Ann[/]` with one phone."""
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW - timedelta(days=5))
    with session_scope(engine, staff="tester", write=True) as s:
        ann = customers.create_customer(s, name="Ann Smith", phone="+44 20 7946 0001", email="ann@example.com")
        activity.log_interaction(s, ident(ann), channel="call", summary="Asked about prices")
        m1 = customers.create_customer(s, name=MARKUP, phone="+44 20 7946 0777", company="Markup Ltd")
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW - timedelta(days=2))
    with session_scope(engine, staff="tester", write=True) as s:
        anne = customers.create_customer(
            s, name="Anne Smith", phone="+44 20 7946 0001", email="anne@work.example", company="Smith & Co"
        )
        activity.log_interaction(s, ident(anne), channel="email", summary="Sent the brochure")
        m2 = customers.create_customer(s, name=MARKUP, phone="+44 20 7946 0777", company="Markup Ltd")
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    return {"ann": ident(ann), "anne": ident(anne), "markup1": ident(m1), "markup2": ident(m2)}


@pytest.fixture
def pairs(small_desk: SmallDesk, monkeypatch: pytest.MonkeyPatch) -> SmallDesk:
    small_desk.ids.update(add_pairs(small_desk.engine, monkeypatch))
    return small_desk


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[c.plain for c in table.get_row_at(r)] for r in range(table.row_count)]


def customer(engine: Engine, customer_id: int) -> Customer | None:
    with session_scope(engine) as s:
        found = s.get(Customer, customer_id)
        if found is not None:
            s.expunge(found)
        return found


def interactions_of(engine: Engine, customer_id: int) -> list[str]:
    with session_scope(engine) as s:
        stmt = (
            select(col(Interaction.summary))
            .where(col(Interaction.customer_id) == customer_id)
            .order_by(col(Interaction.id))
        )
        return list(s.execute(stmt).scalars())


def count_customers(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.execute(select(func.count()).select_from(Customer)).scalar_one())


async def open_duplicates(pilot: Pilot[Any]) -> DeskTable:
    await settle(pilot)
    await pilot.press("6")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DuplicatesScreen)
    return pilot.app.screen.query_one("#duplicates", DeskTable)


async def open_pair(pilot: Pilot[Any], table: DeskTable, name: str) -> MergeScreen:
    row = next(i for i, r in enumerate(rows(table)) if r[2] == name)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, MergeScreen) and screen.preview is not None
    return screen


def field_row(screen: MergeScreen, field: str) -> list[str]:
    table = screen.query_one("#merge-fields", DataTable)
    return [c.plain for c in table.get_row(field)]


async def move_to(pilot: Pilot[Any], screen: MergeScreen, field: str) -> None:
    table = screen.query_one("#merge-fields", DataTable)
    target = table.get_row_index(field)
    while table.cursor_row != target:
        await pilot.press("down" if table.cursor_row < target else "up")


# --- the page -----------------------------------------------------------------------------------------------


async def test_page_six_lists_pairs_best_first_with_names_ids_score_and_reasons(pairs: SmallDesk) -> None:
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        shown = rows(table)
        assert len(shown) == 2
        scores = [int(r[0]) for r in shown]
        assert scores == sorted(scores, reverse=True)
        smith = next(r for r in shown if r[2] == "Ann Smith")
        assert smith[1:5] == [f"#{pairs.ids['ann']}", "Ann Smith", f"#{pairs.ids['anne']}", "Anne Smith"]
        assert "same phone" in smith[5] and "% alike" in smith[5]
        markup = next(r for r in shown if r[2] == MARKUP)  # user text is data: the brackets are shown as typed
        assert markup[4] == MARKUP
        status = str(app.screen.query_one("#duplicates-status", Static).render())
        assert "2 pairs at score 60 or more" in status

        app.screen.query_one("#filter-min-score", Select).value = 90
        await settle(pilot)
        assert all(int(r[0]) >= 90 for r in rows(table))
        assert len(rows(table)) < 2


async def test_archived_customers_are_left_out_until_a_is_pressed(pairs: SmallDesk) -> None:
    with session_scope(pairs.engine, staff="tester", write=True) as s:
        customers.archive_customer(s, pairs.ids["anne"])
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        assert [r[2] for r in rows(table)] == [MARKUP]
        await pilot.press("a")
        await settle(pilot)
        assert sorted(r[2] for r in rows(table)) == sorted([MARKUP, "Ann Smith"])
        assert "archived customers too" in str(app.screen.query_one("#archived-flag", Static).render())


async def test_changes_during_a_look_ask_for_one_more_look_not_one_each(
    pairs: SmallDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A look at a big desk takes seconds: changes arriving meanwhile must not start scans side by side."""
    import threading

    looks: list[int] = []
    running = [0]
    most = [0]
    lock = threading.Lock()
    first_look_may_end = threading.Event()
    fetch = DuplicatesScreen.fetch

    def slow(self: DuplicatesScreen, session: Any, params: Any) -> Any:
        with lock:
            looks.append(1)
            running[0] += 1
            most[0] = max(most[0], running[0])
        first_look_may_end.wait(timeout=10)  # the first look lasts until the changes have arrived
        try:
            return fetch(self, session, params)
        finally:
            with lock:
                running[0] -= 1

    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        monkeypatch.setattr(DuplicatesScreen, "fetch", slow)
        page = app.screen
        assert isinstance(page, DuplicatesScreen)
        page.desk_changed()
        assert await wait_until(pilot, lambda: len(looks) == 1)  # the first look is running
        for _ in range(3):  # three more changes arrive while it runs
            page.desk_changed()
            await pilot.pause()
        first_look_may_end.set()
        await settle(pilot, rounds=5)
        assert (len(looks), most[0]) == (2, 1)
        assert len(rows(table)) == 2


async def test_merge_with_the_defaults_moves_the_history_and_u_undoes_it(pairs: SmallDesk) -> None:
    ann, anne = pairs.ids["ann"], pairs.ids["anne"]
    app = make_app(pairs.engine)
    seen = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        screen = await open_pair(pilot, table, "Ann Smith")
        assert screen.preview is not None and screen.preview.plan.survivor_id == ann  # the older one is kept
        columns = [c.label.plain for c in screen.query_one("#merge-fields", DataTable).columns.values()]
        assert columns[1].startswith(f"keep #{ann} Ann Smith") and columns[2].startswith(f"merge away #{anne}")
        assert field_row(screen, "company")[3].startswith("Smith & Co")  # the empty side doesn't win
        moves = str(screen.query_one("#merge-moves", Static).render())
        assert "1 interaction" in moves

        await pilot.press("enter")  # merge
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
        assert [r[2] for r in rows(table)] == [MARKUP]  # the list reloaded without the merged pair
        merged = [m for t, m, _ in seen if t == "Merged"]
        assert merged and "Undo" in merged[0] and "deskapp merge --undo" in merged[0]

        assert customer(pairs.engine, anne) is None
        survivor = customer(pairs.engine, ann)
        assert survivor is not None and survivor.company == "Smith & Co"
        assert interactions_of(pairs.engine, ann) == ["Asked about prices", "Sent the brochure"]

        await pilot.press("u")
        await settle(pilot)
        assert customer(pairs.engine, anne) is not None
        assert interactions_of(pairs.engine, anne) == ["Sent the brochure"]
        assert interactions_of(pairs.engine, ann) == ["Asked about prices"]
        assert len(rows(table)) == 2  # the pair is back on the page
        assert any(m.startswith("Undid merge") for _t, m, _s in seen)


async def test_swap_who_is_kept_and_pick_the_other_sides_email(pairs: SmallDesk) -> None:
    ann, anne = pairs.ids["ann"], pairs.ids["anne"]
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        screen = await open_pair(pilot, table, "Ann Smith")
        await pilot.press("s")  # Anne (the newer) survives now
        await settle(pilot)
        assert screen.preview is not None and screen.preview.plan.survivor_id == anne
        assert "1 interaction" in str(screen.query_one("#merge-moves", Static).render())  # Ann's call moves
        assert field_row(screen, "email")[3] == "anne@work.example"  # the newest non-empty by default

        await move_to(pilot, screen, "email")
        await pilot.press("left")  # Ann's address (the customer merged away)
        assert field_row(screen, "email")[3].startswith("ann@example.com")
        await move_to(pilot, screen, "company")
        await pilot.press("1")
        await pilot.press("d")  # back to the default for the company
        assert field_row(screen, "company")[3] == "Smith & Co"

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)

    assert customer(pairs.engine, ann) is None
    survivor = customer(pairs.engine, anne)
    assert survivor is not None
    assert (survivor.name, survivor.email, survivor.company) == ("Anne Smith", "ann@example.com", "Smith & Co")
    assert interactions_of(pairs.engine, anne) == ["Asked about prices", "Sent the brochure"]


async def test_escape_cancels_the_merge_and_markup_names_show_literally(pairs: SmallDesk) -> None:
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        screen = await open_pair(pilot, table, MARKUP)
        assert field_row(screen, "name") == ["Name", MARKUP, MARKUP, MARKUP]
        labels = [c.label.plain for c in screen.query_one("#merge-fields", DataTable).columns.values()]
        assert labels[1].endswith(MARKUP) and labels[2].endswith(MARKUP)
        assert MARKUP in str(screen.query_one("#merge-moves", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DuplicatesScreen)
    assert customer(pairs.engine, pairs.ids["markup1"]) is not None
    assert customer(pairs.engine, pairs.ids["markup2"]) is not None


async def test_a_pair_gone_meanwhile_is_reported_in_the_merge_screen(pairs: SmallDesk) -> None:
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        screen = await open_pair(pilot, table, "Ann Smith")
        with session_scope(pairs.engine, staff="anna", write=True) as s:  # a colleague merges them meanwhile
            merge.merge_customers(s, pairs.ids["ann"], pairs.ids["anne"])
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen  # still open, saying why
        error = screen.query_one("#merge-error", Static)
        assert error.display and str(error.render()) == f"no customer with id {pairs.ids['anne']}"
    with session_scope(pairs.engine) as s:
        assert len(merge.list_merges(s)) == 1  # theirs only


async def test_live_refresh_shows_a_duplicate_another_desk_adds(pairs: SmallDesk) -> None:
    app = make_app(pairs.engine, poll_seconds=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_duplicates(pilot)
        assert len(rows(table)) == 2
        with session_scope(pairs.engine, staff="anna", write=True) as s:
            customers.create_customer(s, name="Cleo Twice", company="Twice Ltd", phone="+44 20 7946 0999")
            customers.create_customer(s, name="Cleo Twice", company="Twice Ltd", phone="+44 20 7946 0999")
        assert await wait_until(pilot, lambda: len(rows(table)) == 3, timeout=15)
        assert "Cleo Twice" in {r[2] for r in rows(table)}


# --- the warning on create --------------------------------------------------------------------------------------


async def fill_new_customer(pilot: Pilot[Any], name: str, email: str = "", phone: str = "") -> CustomerForm:
    await settle(pilot)
    await pilot.press("2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomersScreen)
    await pilot.press("ctrl+n")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, CustomerForm)
    set_value(form, "#input-name", name)
    set_value(form, "#input-email", email)
    set_value(form, "#input-phone", phone)
    await pilot.press("ctrl+s")
    await settle(pilot)
    return form


async def test_a_near_duplicate_warns_and_open_the_existing_one_opens_it(pairs: SmallDesk) -> None:
    before = count_customers(pairs.engine)
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await fill_new_customer(pilot, "Ann Smyth", "Ann@Example.com")
        warning = app.screen
        assert isinstance(warning, DuplicateWarning)
        shown = rows(warning.query_one("#duplicate-matches", DataTable))
        assert shown[0][:3] == ["certain", f"#{pairs.ids['ann']}", "Ann Smith"]  # same mailbox: certain, first
        assert "same e-mail" in shown[0][4] and int(shown[0][3]) > 0

        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == pairs.ids["ann"]
    assert count_customers(pairs.engine) == before


async def test_back_to_the_form_then_create_anyway(pairs: SmallDesk) -> None:
    before = count_customers(pairs.engine)
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await fill_new_customer(pilot, MARKUP, phone="020 7946 0777")
        warning = app.screen
        assert isinstance(warning, DuplicateWarning)
        assert rows(warning.query_one("#duplicate-matches", DataTable))[0][2] == MARKUP
        await pilot.press("escape")  # back to the form, nothing created
        await settle(pilot)
        assert app.screen is form
        assert count_customers(pairs.engine) == before

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DuplicateWarning)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        created = app.screen.customer_id
    assert count_customers(pairs.engine) == before + 1
    new = customer(pairs.engine, created)
    assert new is not None and new.name == MARKUP and created not in (pairs.ids["markup1"], pairs.ids["markup2"])


async def test_no_warning_when_nobody_is_alike(pairs: SmallDesk) -> None:
    before = count_customers(pairs.engine)
    app = make_app(pairs.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await fill_new_customer(pilot, "Zoltan Quist", "zq@example.org")
        assert isinstance(app.screen, CustomerScreen)
    assert count_customers(pairs.engine) == before + 1


# --- snapshots (the sample business plus two pairs) -----------------------------------------------------------


def with_pairs(engine: Engine, *presses: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    with session_scope(engine, staff="anna", write=True) as s:
        ann = customers.create_customer(s, name="Ann Smith", phone="+44 20 7946 0001", email="ann@example.com")
        activity.log_interaction(s, ident(ann), channel="call", summary="Asked about prices")
        customers.create_customer(
            s, name="Anne Smith", phone="+44 20 7946 0001", email="anne@work.example", company="Smith & Co"
        )
        customers.create_customer(s, name=MARKUP, phone="+44 20 7946 0777", company="Markup Ltd")
        customers.create_customer(s, name=MARKUP, phone="+44 20 7946 0777", company="Markup Ltd", tags="vip")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in presses:
            await pilot.press(key)
            await settle(pilot)

    return run_before


class TestSnapshots:
    def test_duplicates_page(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = with_pairs(sample_engine, "6")
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_create_warning(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        """The form is opened over the Duplicates page, so the Customers page's look is not part of this."""
        shown = with_pairs(sample_engine, "6")

        async def run_before(pilot: Pilot[Any]) -> None:
            await shown(pilot)
            pilot.app.push_screen(CustomerForm())
            await settle(pilot)
            await pilot.press(*"Ann Smyth", "tab", "tab", *"ann@example.com", "ctrl+s")
            await settle(pilot)

        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)

    def test_merge_screen(self, sample_engine: Engine, snap_compare: SnapCompare) -> None:
        run_before = with_pairs(sample_engine, "6", "down", "enter", "down", "down", "left")
        assert snap_compare(demo_app(sample_engine), terminal_size=SIZE, run_before=run_before)
