from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from deskapp.core.activity import reminders
from deskapp.core.activity import service as activity
from deskapp.core.customers import lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession, session_scope
from deskapp.core.records.errors import InvalidTransition, ValidationFailed
from deskapp.core.records.tables import (
    Complaint,
    ComplaintStatus,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Interaction,
    Stage,
    id_of,
)


@pytest.fixture
def customer_id(session: DeskSession, frozen_now: datetime) -> int:
    return id_of(customers.create_customer(session, name="Sipho Dlamini", owner="thabo"))


def test_log_interaction_defaults(session: DeskSession, customer_id: int, frozen_now: datetime) -> None:
    i = activity.log_interaction(session, customer_id, channel="Call", summary="Asked about a service")
    assert (i.channel, i.direction, i.staff, i.occurred_at) == ("call", "out", "tester", frozen_now)


def test_log_interaction_validates_everything(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        cid = id_of(customers.create_customer(s, name="A"))
    with pytest.raises(ValidationFailed) as caught:
        with session_scope(engine, write=True) as s:
            activity.log_interaction(s, cid, channel="pigeon", summary="x", score=11, occurred_at="yesterday-ish")
    assert {e.field for e in caught.value.errors} == {"channel", "score", "occurred_at"}
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Interaction)).scalar_one() == 0


def test_empty_interaction_is_refused(session: DeskSession, customer_id: int) -> None:
    with pytest.raises(ValidationFailed, match="summary"):
        activity.log_interaction(session, customer_id, channel="call", summary="  ")


def test_complaint_deadline_response_and_resolution(
    session: DeskSession, customer_id: int, frozen_now: datetime
) -> None:
    c = activity.open_complaint(session, customer_id, subject="Brake squeal", priority="urgent", category="quality")
    assert c.first_response_due == frozen_now + timedelta(hours=4)
    assert c.owner == "thabo"
    late = reminders.open_complaints(session, now=frozen_now + timedelta(hours=5)).items[0]
    assert late.first_response_late
    activity.respond_to_complaint(session, id_of(c), message="We'll look at it today")
    assert c.status == ComplaintStatus.IN_PROGRESS and c.first_response_at == frozen_now
    resolved, follow_up = activity.resolve_complaint(session, id_of(c), resolution="Replaced pads")
    assert resolved.status == ComplaintStatus.RESOLVED and resolved.resolved_at == frozen_now
    assert follow_up is not None
    assert follow_up.kind == FollowUpKind.COMPLAINT_FOLLOW_UP
    assert follow_up.due_date == date(2026, 11, 26) and follow_up.complaint_id == c.id
    with pytest.raises(InvalidTransition):
        activity.resolve_complaint(session, id_of(c), resolution="again")
    assert reminders.open_complaints(session).items == ()


def test_complaint_resolution_needs_text_and_update_refuses_resolve(session: DeskSession, customer_id: int) -> None:
    c = activity.open_complaint(session, customer_id, subject="Wrong invoice", category="billing")
    with pytest.raises(ValidationFailed):
        activity.resolve_complaint(session, id_of(c), resolution=" ")
    with pytest.raises(ValidationFailed, match="resolution"):
        activity.update_complaint(session, id_of(c), status="resolved")
    activity.update_complaint(session, id_of(c), status="waiting_on_customer", priority="high")
    assert (c.status, c.priority) == ("waiting_on_customer", "high")
    activity.close_complaint(session, id_of(c))
    assert c.status == ComplaintStatus.CLOSED


def test_follow_up_life(session: DeskSession, customer_id: int, frozen_now: datetime) -> None:
    f = activity.schedule_follow_up(session, customer_id, due="2026-11-20 14:30", kind="other", note="call back")
    assert (f.due_date, str(f.due_time), f.assignee) == (date(2026, 11, 20), "14:30:00", "thabo")
    activity.snooze_follow_up(session, id_of(f), days=1)
    assert (f.due_date, f.status) == (date(2026, 11, 24), FollowUpStatus.SNOOZED)
    activity.snooze_follow_up(session, id_of(f), until="2026-12-01")
    assert f.due_date == date(2026, 12, 1)
    with pytest.raises(ValidationFailed):
        activity.snooze_follow_up(session, id_of(f), until="2026-01-01")
    activity.reschedule_follow_up(session, id_of(f), due=date(2026, 11, 25))
    assert (f.due_date, f.due_time, f.status) == (date(2026, 11, 25), None, FollowUpStatus.OPEN)
    done, upcoming = activity.complete_follow_up(session, id_of(f))
    assert done.status == FollowUpStatus.DONE and done.completed_at == frozen_now and upcoming is None
    with pytest.raises(InvalidTransition):
        activity.complete_follow_up(session, id_of(f))
    g = activity.schedule_follow_up(session, customer_id, due=date(2026, 11, 30))
    activity.cancel_follow_up(session, id_of(g))
    with pytest.raises(InvalidTransition):
        activity.snooze_follow_up(session, id_of(g), days=2)


def test_completing_a_check_in_schedules_the_next_by_cadence(
    session: DeskSession, customer_id: int, frozen_now: datetime
) -> None:
    customers.update_customer(session, customer_id, cadence_days=14)
    f = activity.schedule_follow_up(session, customer_id, due=date(2026, 11, 23), kind="check_in")
    _, upcoming = activity.complete_follow_up(session, id_of(f))
    assert upcoming is not None
    assert (upcoming.kind, upcoming.due_date, upcoming.assignee) == ("check_in", date(2026, 12, 7), "thabo")


def test_check_in_without_own_cadence_uses_the_stage_default(session: DeskSession, customer_id: int) -> None:
    f = activity.schedule_follow_up(session, customer_id, due=date(2026, 11, 23))
    _, upcoming = activity.complete_follow_up(session, id_of(f))
    assert upcoming is not None  # awareness: every 30 days by default
    lifecycle.change_stage(session, customer_id, "churned", reason="moved abroad", churn_reason="no_longer_needed")
    g = activity.schedule_follow_up(session, customer_id, due=date(2026, 11, 23))
    assert activity.complete_follow_up(session, id_of(g))[1] is None  # churned: no cadence


def test_first_and_repeat_purchases(session: DeskSession, customer_id: int, frozen_now: datetime) -> None:
    p = activity.record_purchase(session, customer_id, amount="1.299,00", cost="800", description="Gravel bike")
    assert str(p.amount) == "1299.00" and p.currency == "EUR"
    assert customers.get_customer(session, customer_id).stage == Stage.PURCHASE
    kinds = sorted((f.kind, f.due_date) for f in session.execute(select(FollowUp)).scalars() if f.purchase_id == p.id)
    assert kinds == [
        ("onboarding", date(2026, 11, 30)),
        ("onboarding", date(2026, 12, 23)),
        ("onboarding", date(2027, 2, 21)),
        ("thank_you", date(2026, 11, 25)),
    ]
    activity.record_purchase(session, customer_id, amount=49)
    history = lifecycle.stage_history(session, customer_id)
    assert [(h.to_stage, h.automatic, h.reason) for h in history][1:] == [
        ("purchase", True, "first purchase"),
        ("retention", True, "repeat purchase"),
    ]


def test_old_purchases_change_stage_but_create_no_follow_ups(
    session: DeskSession, customer_id: int, frozen_now: datetime
) -> None:
    activity.record_purchase(session, customer_id, amount=10, ordered_at=frozen_now - timedelta(days=200))
    assert customers.get_customer(session, customer_id).stage == Stage.PURCHASE
    assert session.execute(select(func.count()).select_from(FollowUp)).scalar_one() == 0


def test_purchase_validation(session: DeskSession, customer_id: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        activity.record_purchase(session, customer_id, amount="lots", cost="-5", currency="euro")
    assert {e.field for e in caught.value.errors} == {"amount", "cost", "currency"}


def test_high_score_makes_a_buyer_an_advocate(session: DeskSession, customer_id: int) -> None:
    activity.record_purchase(session, customer_id, amount=10)
    activity.log_interaction(session, customer_id, channel="email", direction="in", summary="NPS", score=10)
    assert customers.get_customer(session, customer_id).stage == Stage.ADVOCACY


def test_referral(session: DeskSession, customer_id: int) -> None:
    new = customers.create_customer(session, name="Friend")
    activity.record_referral(session, customer_id, id_of(new))
    assert customers.get_customer(session, customer_id).stage == Stage.ADVOCACY
    assert customers.get_customer(session, id_of(new)).source == "referral"
    with pytest.raises(ValidationFailed, match="already referred"):
        activity.record_referral(session, customer_id, id_of(new))
    with pytest.raises(ValidationFailed):
        activity.record_referral(session, id_of(new), id_of(new))


def test_over_contact_warning(session: DeskSession, customer_id: int, frozen_now: datetime) -> None:
    for d in range(3):
        assert activity.over_contact_warning(session, customer_id) is None
        activity.log_interaction(
            session, customer_id, channel="call", summary="hi", occurred_at=frozen_now - timedelta(days=d)
        )
    activity.log_interaction(session, customer_id, channel="call", direction="in", summary="they called")
    warning = activity.over_contact_warning(session, customer_id)
    assert warning is not None and warning.contacts == 3 and "3 times" in warning.message


def test_due_follow_ups_buckets(session: DeskSession, customer_id: int, frozen_now: datetime) -> None:
    for offset in (-3, 0, 2, 20):
        activity.schedule_follow_up(session, customer_id, due=date(2026, 11, 23) + timedelta(days=offset))
    rows = reminders.due_follow_ups(session, days=7).items
    assert [r.days_overdue for r in rows] == [3, 0, -2]
    assert [r.days_overdue for r in reminders.due_follow_ups(session, overdue_only=True)] == [3]
    assert reminders.due_follow_ups(session, assignee="nobody").items == ()
    summary = reminders.desk_summary(session)
    assert (summary.overdue, summary.due_today) == (1, 1)


def test_complaint_count_by_priority_order(session: DeskSession, customer_id: int) -> None:
    for prio in ("low", "urgent", "normal", "high"):
        activity.open_complaint(session, customer_id, subject=prio, priority=prio)
    assert [r.priority for r in reminders.open_complaints(session)] == ["urgent", "high", "normal", "low"]
    assert session.execute(select(func.count()).select_from(Complaint)).scalar_one() == 4


def test_summary_counts_match_the_lists_and_skip_archived_customers(
    session: DeskSession, customer_id: int, frozen_now: datetime
) -> None:
    gone = id_of(customers.create_customer(session, name="Archived One"))
    for cid in (customer_id, gone):
        activity.schedule_follow_up(session, cid, due=date(2026, 11, 20))
        activity.schedule_follow_up(session, cid, due=date(2026, 11, 23))
    customers.archive_customer(session, gone)
    summary = reminders.desk_summary(session)
    rows = reminders.due_follow_ups(session, days=0).items
    assert (summary.overdue, summary.due_today) == (1, 1)
    assert len(rows) == summary.overdue + summary.due_today
