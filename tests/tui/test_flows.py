"""The day's work, driven by keys through Pilot, checked on the screen and in the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlmodel import col
from textual.widgets import Static

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import Complaint, Customer, FollowUp, FollowUpKind, Interaction
from deskapp.tui.dialogs.activity_forms import LogInteractionForm, ResolveForm
from deskapp.tui.dialogs.customer_forms import CustomerForm
from deskapp.tui.pages.customer import CustomerScreen
from deskapp.tui.pages.customers import CustomersScreen
from deskapp.tui.widgets.inputs import DeskInput
from deskapp.tui.widgets.tables import DeskTable
from tests.tui.conftest import SmallDesk, cell_text, make_app, record_notifications, searched, set_value, settle


async def test_find_a_customer_by_part_of_the_name_and_log_a_call(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
        await pilot.press(*"odo")  # accents folded, prefix match
        await searched(pilot)
        table = app.screen.query_one("#customers", DeskTable)
        assert table.row_count == 1
        assert cell_text(table, 0, 0) == "Ödön Kovács"

        await pilot.press("enter")  # from the search box: opens the best match
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen) and app.screen.customer_id == small_desk.ids["odon"]

        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LogInteractionForm)
        assert form.query_one("#input-channel").value == "call"
        assert app.focused is form.query_one("#input-summary")
        await pilot.press(*"Invoice query")
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, CustomerScreen)
        timeline = app.screen.query_one("#timeline", DeskTable)
        assert "Invoice query" in cell_text(timeline, 0, 2)
        assert timeline.cursor_row == 0
    with session_scope(small_desk.engine) as s:
        logged = (
            s.execute(select(Interaction).where(col(Interaction.customer_id) == small_desk.ids["odon"])).scalars().all()
        )
        assert [(i.channel, i.summary, i.staff) for i in logged] == [("call", "Invoice query", "tester")]


async def test_complete_a_check_in_and_see_the_next_one_scheduled(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        overdue = app.screen.query_one("#overdue", DeskTable)
        today = app.screen.query_one("#due-today", DeskTable)
        assert overdue.row_count == 1 and today.row_count == 1
        today.focus()
        await pilot.press("d")
        await settle(pilot)
        assert today.row_count == 0
        assert app.screen.query_one("#overdue", DeskTable).row_count == 1
        await pilot.press("4")  # the Follow-ups page lists the next check-in
        await settle(pilot)
        follow_ups = app.screen.query_one("#follow-ups", DeskTable)
        rows = [(cell_text(follow_ups, r, 0), cell_text(follow_ups, r, 1)) for r in range(2)]
        assert rows[1] == ("Wed 23 Dec", "Ödön Kovács")
    with session_scope(small_desk.engine) as s:
        done = s.get(FollowUp, small_desk.ids["check_in"])
        assert done is not None and done.status == "done"
        upcoming = s.execute(
            select(FollowUp).where(col(FollowUp.customer_id) == small_desk.ids["odon"], col(FollowUp.status) == "open")
        ).scalar_one()
        assert (upcoming.kind, upcoming.due_date) == (FollowUpKind.CHECK_IN, date(2026, 12, 23))


async def test_snooze_a_day_a_week_and_until_a_date(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.screen.query_one("#overdue", DeskTable).focus()
        await pilot.press("s")
        await settle(pilot)
        assert app.screen.query_one("#overdue", DeskTable).row_count == 0
        app.screen.query_one("#due-today", DeskTable).focus()
        await pilot.press("u")
        await pilot.pause()
        field = app.screen.query_one("#input-until", DeskInput)
        field.value = "2026-11-01"  # in the past: refused at the field, nothing saved
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "past" in str(app.screen.query_one("#error-until", Static).content)
        field.value = "2026-12-24"
        await pilot.press("ctrl+s")
        await settle(pilot)
    with session_scope(small_desk.engine) as s:
        thank_you, check_in = s.get(FollowUp, small_desk.ids["thank_you"]), s.get(FollowUp, small_desk.ids["check_in"])
        assert thank_you is not None and thank_you.due_date == date(2026, 11, 24)
        assert check_in is not None and check_in.due_date == date(2026, 12, 24)


async def test_resolve_a_complaint_with_the_personal_follow_up(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#complaints", DeskTable)
        assert table.row_count == 1 and cell_text(table, 0, 3) == "LATE"
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ResolveForm)
        app.screen.query_one("#input-resolution", DeskInput).value = "Replaced the pads, no charge"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen.query_one("#complaints", DeskTable).row_count == 0
    with session_scope(small_desk.engine) as s:
        complaint = s.get(Complaint, small_desk.ids["complaint"])
        assert complaint is not None
        assert (complaint.status, complaint.resolution) == ("resolved", "Replaced the pads, no charge")
        personal = s.execute(select(FollowUp).where(col(FollowUp.complaint_id) == complaint.id)).scalar_one()
        assert personal.kind == FollowUpKind.COMPLAINT_FOLLOW_UP and personal.due_date == date(2026, 11, 26)


async def test_a_bad_email_shows_at_its_field_and_saves_nothing(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    with session_scope(small_desk.engine) as s:
        before = customers.count_customers(s)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CustomerForm)
        form.query_one("#input-name", DeskInput).value = "Carla Customer"
        form.query_one("#input-email", DeskInput).value = "carla@@example"
        form.query_one("#input-phone", DeskInput).value = "not a phone"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        email_error = form.query_one("#error-email", Static)
        assert email_error.display and str(email_error.content)
        assert form.query_one("#error-phone").display
        assert not form.query_one("#error-name").display
        assert form.query_one("#field-email").has_class("-invalid")
        assert app.focused is form.query_one("#input-email")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomersScreen)
    with session_scope(small_desk.engine) as s:
        assert customers.count_customers(s) == before


async def test_add_a_customer_opens_them(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"Carla")
        app.screen.query_one("#input-name", DeskInput).value = "Carla Customer"
        app.screen.query_one("#input-email", DeskInput).value = "carla@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert app.screen.title == "Carla Customer"
    with session_scope(small_desk.engine) as s:
        carla = s.execute(select(Customer).where(col(Customer.name) == "Carla Customer")).scalar_one()
        assert (carla.email, carla.owner) == ("carla@example.com", "tester")


async def test_change_stage_to_churned_asks_the_category(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(small_desk.ids["odon"])
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        set_value(form, "#input-stage", "churned")
        await pilot.pause()
        assert form.query_one("#field-churn_reason").display
        form.query_one("#input-reason", DeskInput).value = "Moved abroad"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and form.query_one("#error-churn_reason").display
        set_value(form, "#input-churn_reason", "no_longer_needed")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen)
        assert "churned" in str(app.screen.query_one("#stage-history", Static).content)
    with session_scope(small_desk.engine) as s:
        assert customers.get_customer(s, small_desk.ids["odon"]).stage == "churned"


async def test_log_form_warns_about_over_contact(small_desk: SmallDesk) -> None:
    from deskapp.core.activity.service import log_interaction

    with session_scope(small_desk.engine, write=True) as s:
        for n in range(3):
            log_interaction(s, small_desk.ids["asa"], channel="email", summary=f"Newsletter {n}")
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(small_desk.ids["asa"])
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        warning = app.screen.query_one("#contact-warning", Static)
        assert warning.display and "3 times" in str(warning.content)
        set_value(app.screen, "#input-direction", "in")  # an inbound contact is not us pestering them
        await pilot.pause()
        assert not warning.display


async def test_archive_asks_first_and_leaves_the_lists(small_desk: SmallDesk) -> None:
    app = make_app(small_desk.engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(small_desk.ids["asa"])
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        with session_scope(small_desk.engine) as s:
            assert not customers.get_customer(s, small_desk.ids["asa"]).archived
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "ARCHIVED" in str(app.screen.query_one("#profile", Static).content)
    with session_scope(small_desk.engine) as s:
        assert customers.get_customer(s, small_desk.ids["asa"]).archived


async def test_an_impossible_action_is_a_notification_not_a_traceback(small_desk: SmallDesk) -> None:
    from deskapp.core.activity.service import complete_follow_up

    app = make_app(small_desk.engine)
    notes = record_notifications(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        today = app.screen.query_one("#due-today", DeskTable)
        today.focus()
        with session_scope(small_desk.engine, write=True) as s:  # a colleague got there first
            complete_follow_up(s, small_desk.ids["check_in"])
        await pilot.press("d")
        await settle(pilot)
        assert app.is_running
        assert any(sev == "error" and "already done" in msg for _t, msg, sev in notes)
    with session_scope(small_desk.engine) as s:
        assert (
            s.execute(select(func.count()).select_from(FollowUp).where(col(FollowUp.status) == "open")).scalar_one()
            == 2
        )


async def test_every_customer_action_saves_through_its_form(small_desk: SmallDesk) -> None:
    """Complaint, follow-up, purchase from the customer page; respond and status from the Complaints page."""
    from deskapp.core.records.tables import Purchase

    app = make_app(small_desk.engine)
    odon = small_desk.ids["odon"]

    async def fill_and_save(key: str, **values: str) -> None:
        await pilot.press(key)
        await pilot.pause()
        for name, value in values.items():
            set_value(app.screen, f"#input-{name}", value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerScreen), f"{key}: form still open"

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_customer(odon)
        await settle(pilot)
        await fill_and_save("c", subject="Wrong size delivered", priority="high", category="delivery")
        await fill_and_save("f", due="2026-12-01 10:30", kind="thank_you", note="Ask how the bike rides")
        await fill_and_save("p", amount="129,90", description="Helmet")
        timeline = app.screen.query_one("#timeline", DeskTable)
        kinds = {cell_text(timeline, r, 1) for r in range(timeline.row_count)}
        assert {"complaint", "purchase", "follow-up"} <= kinds

        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#complaints", DeskTable)
        table.move_cursor(row=[cell_text(table, r, 5) for r in range(table.row_count)].index("Wrong size delivered"))
        await pilot.press("p")
        await pilot.pause()
        app.screen.query_one("#input-message", DeskInput).value = "Sent the right size today"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        set_value(app.screen, "#input-status", "waiting_on_customer")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with session_scope(small_desk.engine) as s:
        complaint = s.execute(select(Complaint).where(col(Complaint.subject) == "Wrong size delivered")).scalar_one()
        assert (complaint.priority, complaint.category, complaint.status) == ("high", "delivery", "waiting_on_customer")
        assert complaint.first_response_at is not None
        follow_up = s.execute(select(FollowUp).where(col(FollowUp.note) == "Ask how the bike rides")).scalar_one()
        assert (str(follow_up.due_date), str(follow_up.due_time), follow_up.kind) == (
            "2026-12-01",
            "10:30:00",
            "thank_you",
        )
        purchase = s.execute(select(Purchase).where(col(Purchase.customer_id) == odon)).scalar_one()
        assert str(purchase.amount) == "129.90"
