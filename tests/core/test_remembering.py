"""Lapsed buyers, win-backs, and the guard on automatic reminders (one a day per customer, over-contact,
the daily cap). Clock frozen at Monday 2026-11-23."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.activity.service import log_interaction, record_purchase, schedule_follow_up
from deskapp.core.analytics.automation import run_sweep
from deskapp.core.analytics.metrics import Period, churn_rate, lapsed_customers, retention_rate
from deskapp.core.customers.lifecycle import change_stage
from deskapp.core.customers.service import create_customer
from deskapp.core.records.settings import Settings
from deskapp.core.records.tables import FollowUp, FollowUpKind
from tests.core.ids import id_of

SETTINGS = Settings()  # lapsed after 3 cycles; win-back 60 days after; cap 50
TODAY = date(2026, 11, 23)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


def buy(session: Session, cid: int, *days: datetime) -> None:
    for day in days:
        record_purchase(session, cid, amount="50", ordered_at=day, settings=SETTINGS)


def follow_ups(session: Session, customer_id: int) -> list[FollowUp]:
    return list(session.execute(select(FollowUp).where(col(FollowUp.customer_id) == customer_id)).scalars())


def test_a_buyer_silent_past_three_of_their_own_cycles_is_lapsed_with_why(
    session: Session, frozen_now: datetime
) -> None:
    monthly = id_of(create_customer(session, name="Monthly then silent"))
    buy(session, monthly, at(2026, 1, 10), at(2026, 2, 10), at(2026, 3, 10))  # ~30-day rhythm, silent since March
    steady = id_of(create_customer(session, name="Still monthly"))
    buy(session, steady, at(2026, 9, 20), at(2026, 10, 20), at(2026, 11, 19))
    once = id_of(create_customer(session, name="Bought once long ago"))
    buy(session, once, at(2025, 12, 1))
    fresh = id_of(create_customer(session, name="Bought once last week"))
    buy(session, fresh, at(2026, 11, 16))
    found = {c.name: c for c in lapsed_customers(session, SETTINGS, TODAY)}
    assert set(found) == {"Monthly then silent", "Bought once long ago"}
    lapsed = found["Monthly then silent"]
    assert lapsed.own_cycle and lapsed.cycle_days == 29.5 and lapsed.silence_days == 258
    assert lapsed.reason == ("no purchase for 258 days: 8.7 times their usual 30-day interval (lapsed after 3)")
    assert lapsed.lapsed_on == date(2026, 3, 10) + timedelta(days=89)
    one_timer = found["Bought once long ago"]
    assert not one_timer.own_cycle and one_timer.reason.startswith("one purchase, 357 days ago: ")


def test_retention_counts_the_lapsed_out_and_says_how_many(session: Session, frozen_now: datetime) -> None:
    kept = id_of(create_customer(session, name="Kept"))
    buy(session, kept, at(2025, 10, 1), at(2025, 11, 1), at(2026, 10, 20), at(2026, 11, 20))
    silent = id_of(create_customer(session, name="Silent"))
    buy(session, silent, at(2025, 10, 5), at(2025, 11, 5), at(2025, 12, 5))
    year = Period(date(2026, 1, 1), date(2026, 11, 23))
    figures = retention_rate(session, year)
    assert (figures.at_start, figures.at_end, figures.new) == (2, 2, 0)
    assert figures.lapsed == 1 and figures.lapsed_ids == (silent,)
    assert figures.rate == 50.0  # (E - N - lapsed) / S: nobody marked Silent churned, and it is still counted out
    assert retention_rate(session, year, lapsed_cycles=100).rate == 100.0


def test_a_churned_customer_gets_one_win_back_with_the_reason(
    session: Session, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskapp.core.records import clock

    lost = id_of(create_customer(session, name="Gone to a rival", owner="anna"))
    buy(session, lost, at(2026, 1, 5))
    monkeypatch.setattr(clock, "now", lambda: at(2026, 9, 1))
    change_stage(session, lost, "churned", reason="cheaper down the road", churn_reason="competitor")
    monkeypatch.setattr(clock, "now", lambda: at(2026, 10, 1))
    assert [
        a for a in run_sweep(session, date(2026, 10, 1), SETTINGS, use_model=False).actions if a.rule == "win_back"
    ] == []
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 23))
    result = run_sweep(session, TODAY, SETTINGS, use_model=False)
    (action,) = [a for a in result.actions if a.rule == "win_back"]
    assert action.customer_id == lost and action.due_date == TODAY  # 60 days after 2026-09-01 has passed
    assert action.reason == (
        'Win back: churned on 2026-09-01, reason: won by a competitor ("cheaper down the road"). Call personally: '
        "ask what would bring them back, and put right what made them leave."
    )
    (row,) = [f for f in follow_ups(session, lost) if f.kind == FollowUpKind.WIN_BACK]
    assert row.assignee == "anna" and row.automatic
    assert [a for a in run_sweep(session, TODAY, SETTINGS, use_model=False).actions if a.rule == "win_back"] == []


def test_winning_one_back_is_counted(session: Session, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.core.records import clock

    back = id_of(create_customer(session, name="Came back"))
    buy(session, back, at(2026, 1, 5))
    monkeypatch.setattr(clock, "now", lambda: at(2026, 6, 1))
    change_stage(session, back, "churned", reason="quiet", churn_reason="not_cared_for")
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 23))
    buy(session, back, at(2026, 11, 20))  # a repeat purchase moves them out of churned
    assert churn_rate(session, Period(date(2026, 7, 1), date(2026, 11, 23))).won_back == 1
    assert churn_rate(session, Period(date(2026, 1, 1), date(2026, 5, 31))).won_back == 0


def test_one_automatic_reminder_per_customer_per_day(session: Session, frozen_now: datetime) -> None:
    busy = id_of(create_customer(session, name="Busy today"))
    log_interaction(session, busy, channel="call", summary="hi", occurred_at=at(2026, 9, 1))  # cadence overdue
    schedule_follow_up(session, busy, due="2026-11-23", note="onboarding call", kind="onboarding")
    result = run_sweep(session, TODAY, SETTINGS, use_model=False)
    (action,) = [a for a in result.actions if a.customer_id == busy]
    assert action.rule == "cadence" and action.due_date == TODAY + timedelta(days=1)
    assert any("moved to another day" in note for note in result.notes)
    days = [f.due_date for f in follow_ups(session, busy)]
    assert sorted(days) == [TODAY, TODAY + timedelta(days=1)]


def test_no_outreach_to_someone_contacted_too_often_lately(session: Session, frozen_now: datetime) -> None:
    tired = id_of(create_customer(session, name="Heard from us a lot", birthday="1980-11-25"))
    for day in (18, 20, 22):
        log_interaction(session, tired, channel="call", summary="again", occurred_at=at(2026, 11, day))
    result = run_sweep(session, TODAY, SETTINGS, use_model=False)
    assert [a for a in result.actions if a.customer_id == tired] == []
    assert any("left out: contacted 3+ times lately" in note for note in result.notes)


def test_the_daily_cap_spreads_a_big_first_sweep_over_the_next_days(
    session: Session, frozen_now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deskapp.core.records import clock

    for i in range(5):
        cid = id_of(create_customer(session, name=f"Old contact {i}"))
        log_interaction(session, cid, channel="call", summary="hi", occurred_at=at(2026, 8, 1 + i))
    capped = replace(SETTINGS, sweep_daily_cap=2)
    first = run_sweep(session, TODAY, capped, use_model=False)
    assert len(first.actions) == 2 and first.held_back == 3
    assert any("3 more held back by the daily cap of 2" in note for note in first.notes)
    assert run_sweep(session, TODAY, capped, use_model=False).actions == ()  # today's room is used up
    monkeypatch.setattr(clock, "now", lambda: at(2026, 11, 24))
    assert len(run_sweep(session, TODAY + timedelta(days=1), capped, use_model=False).actions) == 2


# --- feedback and referrals close the loop -------------------------------------------------------------------


def test_a_detractor_gets_a_personal_call_and_a_very_low_score_a_complaint(
    session: Session, frozen_now: datetime
) -> None:
    from deskapp.core.records.tables import Complaint

    meh = id_of(create_customer(session, name="Scored five", owner="anna"))
    log_interaction(session, meh, channel="call", summary="slow delivery", score=5, direction="in")
    (call,) = follow_ups(session, meh)
    assert call.kind == FollowUpKind.CHECK_IN and call.due_date == TODAY + timedelta(days=1)
    assert call.note.startswith('Scored 5/10 ("slow delivery"): call personally before they leave')
    assert call.assignee == "anna"
    assert session.scalars(select(Complaint).where(col(Complaint.customer_id) == meh)).all() == []
    angry = id_of(create_customer(session, name="Scored one"))
    log_interaction(session, angry, channel="email", summary="broken on arrival", score=1, direction="in")
    (case,) = session.scalars(select(Complaint).where(col(Complaint.customer_id) == angry)).all()
    assert case.subject == "Feedback score 1/10" and str(case.priority) == "high"
    passive = id_of(create_customer(session, name="Scored eight"))
    log_interaction(session, passive, channel="call", summary="fine", score=8)
    assert follow_ups(session, passive) == []


def test_a_promoter_is_asked_for_a_referral_and_a_referrer_thanked(session: Session, frozen_now: datetime) -> None:
    from deskapp.core.activity.service import record_referral

    fan = id_of(create_customer(session, name="Loves it", owner="bence"))
    buy(session, fan, at(2026, 11, 1))
    log_interaction(session, fan, channel="call", summary="great bike", score=10, direction="in")
    asks = [f for f in follow_ups(session, fan) if f.kind == FollowUpKind.REFERRAL_ASK]
    assert (
        len(asks) == 1
        and asks[0].note == 'Scored 10/10 ("great bike"): thank them, and ask for a referral or a review.'
    )
    friend = id_of(create_customer(session, name="The friend"))
    record_referral(session, fan, friend, note="sent by Loves it")
    thanks = [f for f in follow_ups(session, fan) if f.note == "Thank them for referring The friend."]
    assert len(thanks) == 1 and thanks[0].kind == FollowUpKind.THANK_YOU and thanks[0].assignee == "bence"


def test_old_feedback_from_history_creates_no_reminders(session: Session, frozen_now: datetime) -> None:
    old = id_of(create_customer(session, name="Said so last year"))
    log_interaction(session, old, channel="call", summary="meh", score=2, occurred_at=at(2025, 11, 1))
    assert follow_ups(session, old) == []


def test_no_offers_to_someone_who_withdrew_marketing_consent(session: Session, frozen_now: datetime) -> None:
    from sqlalchemy import update

    from deskapp.core.records.tables import Customer

    no = id_of(create_customer(session, name="Said no to marketing", birthday="1980-11-25"))
    yes = id_of(create_customer(session, name="Never asked", birthday="1980-11-25"))
    session.execute(update(Customer).where(col(Customer.id) == no).values(marketing_consent="withdrawn"))
    result = run_sweep(session, TODAY, SETTINGS, use_model=False)
    assert {a.customer_id for a in result.actions if a.rule == "special_day"} == {yes}
    assert any("marketing consent withdrawn" in note for note in result.notes)
