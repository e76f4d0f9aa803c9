"""The automation sweep: cadence check-ins, special days, at-risk flags; idempotent, reasons recorded,
nobody moved to churned. Clock frozen at Monday 2026-11-23."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.activity.service import cancel_follow_up, log_interaction, record_purchase, schedule_follow_up
from deskapp.core.analytics import automation
from deskapp.core.analytics.automation import (
    SweepResult,
    at_risk_customers,
    next_occurrence,
    open_at_risk_flags,
    run_sweep,
)
from deskapp.core.customers.lifecycle import change_stage
from deskapp.core.customers.service import archive_customer, create_customer
from deskapp.core.records.settings import Settings
from deskapp.core.records.tables import AuditEntry, FollowUp, FollowUpKind
from tests.core.ids import id_of

SETTINGS = Settings()  # cadence: awareness 30, retention 60; special-day lead 3; at-risk factor 2
TODAY = date(2026, 11, 23)


def at(y: int, m: int, d: int, h: int = 12) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def contact(session: Session, cid: int, when: datetime) -> None:
    log_interaction(session, cid, channel="call", summary="chat", occurred_at=when)


def sweep(session: Session, **kwargs: Any) -> SweepResult:
    kwargs.setdefault("use_model", False)
    return run_sweep(session, TODAY, SETTINGS, **kwargs)


def auto_follow_ups(session: Session, rule: str) -> list[FollowUp]:
    return list(
        session.execute(
            select(FollowUp).where(col(FollowUp.external_id).like(f"auto:{rule}:%")).order_by(col(FollowUp.id))
        )
        .scalars()
        .all()
    )


# --- cadence ----------------------------------------------------------------------------------------------------


def test_cadence_check_ins_fall_due_when_the_last_contact_is_older_than_the_cadence(
    session: Session, frozen_now: datetime
) -> None:
    old = id_of(create_customer(session, name="Old contact", owner="anna"))
    contact(session, old, at(2026, 10, 1))  # 53 days ago, lead cadence 30 -> due
    recent = id_of(create_customer(session, name="Recent"))
    contact(session, recent, at(2026, 11, 13))  # 10 days ago -> due 2026-12-13
    create_customer(session, name="Never contacted")  # added today: due in 30 days
    pending = id_of(create_customer(session, name="Pending"))
    contact(session, pending, at(2026, 9, 1))
    schedule_follow_up(session, pending, due="2026-11-30", note="already planned")
    gone = id_of(create_customer(session, name="Archived"))
    contact(session, gone, at(2026, 9, 1))
    archive_customer(session, gone)
    weekly = id_of(create_customer(session, name="Weekly", cadence_days=7))
    contact(session, weekly, at(2026, 11, 14))  # 9 days ago against their own 7
    lost = id_of(create_customer(session, name="Churned"))
    contact(session, lost, at(2026, 1, 1))
    change_stage(session, lost, "churned", reason="moved away", churn_reason="no_longer_needed")

    result = sweep(session)
    created = {a.customer_id: a for a in result.actions}
    assert set(created) == {old, weekly}
    assert result.created("cadence") == 2
    assert created[old].due_date == TODAY
    assert created[old].reason == "Regular check-in: last contact 2026-10-01, 53 days ago (cadence 30 days)"
    rows = auto_follow_ups(session, "cadence")
    assert {(f.customer_id, f.kind, f.automatic, f.due_date) for f in rows} == {
        (old, FollowUpKind.CHECK_IN, True, TODAY),
        (weekly, FollowUpKind.CHECK_IN, True, TODAY),
    }
    assert next(f for f in rows if f.customer_id == old).assignee == "anna"

    again = sweep(session)
    assert again.actions == ()  # idempotent

    ahead = sweep(session, ahead_days=30)
    assert {(a.customer_id, a.due_date) for a in ahead.actions} == {
        (recent, date(2026, 12, 13)),
        (_id_of(session, "Never contacted"), date(2026, 12, 23)),
    }


def _id_of(session: Session, name: str) -> int:
    from deskapp.core.records.tables import Customer

    return int(session.execute(select(col(Customer.id)).where(col(Customer.name) == name)).scalar_one())


def test_a_cancelled_check_in_is_not_recreated_for_the_same_silence(session: Session, frozen_now: datetime) -> None:
    cid = id_of(create_customer(session, name="Do not call"))
    contact(session, cid, at(2026, 10, 1))
    (action,) = sweep(session).actions
    assert action.follow_up_id is not None
    cancel_follow_up(session, action.follow_up_id)
    assert sweep(session).actions == ()


# --- special days ----------------------------------------------------------------------------------------------


def test_next_occurrence_handles_29_february() -> None:
    assert next_occurrence(date(2000, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert next_occurrence(date(2000, 2, 29), date(2028, 1, 1)) == date(2028, 2, 29)
    assert next_occurrence(date(1990, 3, 5), date(2026, 3, 6)) == date(2027, 3, 5)
    assert next_occurrence(date(1990, 3, 5), date(2026, 3, 5)) == date(2026, 3, 5)


def test_special_days_create_follow_ups_lead_days_ahead(session: Session, frozen_now: datetime) -> None:
    in_two = id_of(create_customer(session, name="Bea", birthday="1990-11-25"))  # 25th - 3 = 22nd -> due today
    in_three = id_of(create_customer(session, name="Cid", birthday="1985-11-26"))  # due today
    in_four = id_of(create_customer(session, name="Dee", birthday="1985-11-27"))  # due tomorrow: not yet
    loyal = id_of(create_customer(session, name="Eve"))
    record_purchase(session, loyal, amount="10", ordered_at=at(2024, 11, 24), settings=SETTINGS)  # 2 years on the 24th
    newish = id_of(create_customer(session, name="Fay"))
    record_purchase(session, newish, amount="10", ordered_at=at(2026, 11, 20), settings=SETTINGS)  # next year
    shop = id_of(create_customer(session, name="Gus", special_dates=[{"label": "Shop opening", "date": "2020-11-24"}]))

    result = sweep(session)
    special = {a.customer_id: a for a in result.actions if a.rule == "special_day"}
    assert set(special) == {in_two, in_three, loyal, shop}
    assert all(a.due_date == TODAY for a in special.values())
    assert special[in_two].reason == "Special day: Bea's birthday on 2026-11-25"
    assert special[loyal].reason == "Special day: Eve's anniversary of becoming a customer (2 years) on 2026-11-24"
    assert "Shop opening" in special[shop].reason
    assert {f.kind for f in auto_follow_ups(session, "special")} == {FollowUpKind.SPECIAL_DAY}
    assert sweep(session).actions == ()

    later = sweep(session, ahead_days=7)
    assert {(a.customer_id, a.due_date) for a in later.actions if a.rule == "special_day"} == {
        (in_four, date(2026, 11, 24))
    }


# --- at risk ----------------------------------------------------------------------------------------------------


@pytest.fixture
def risk_desk(session: Session, frozen_now: datetime) -> dict[str, int]:
    ids = {}
    for name, days in (
        ("Slipping", [(9, 4), (9, 14), (9, 24)]),  # every 10 days, silent 60 -> 6x: at risk
        ("Steady", [(10, 24), (11, 13)]),  # every 20 days, silent 10: fine
        ("Once", [(1, 1)]),  # no rhythm of their own yet
        ("Lost", [(8, 1), (8, 11)]),  # silent, but already churned
    ):
        cid = id_of(create_customer(session, name=name, owner="bence"))
        for month, day in days:
            record_purchase(session, cid, amount="20", ordered_at=at(2026, month, day), settings=SETTINGS)
        ids[name] = cid
    change_stage(session, ids["Lost"], "churned", reason="moved", churn_reason="no_longer_needed")
    return ids


def test_silence_past_the_usual_interval_flags_with_reason_and_check_in(
    session: Session, risk_desk: dict[str, int]
) -> None:
    found, _notes = at_risk_customers(session, TODAY, SETTINGS, use_model=False)
    assert [c.name for c in found] == ["Slipping"]
    slipping = found[0]
    assert (slipping.silence_days, slipping.usual_interval_days, slipping.flagged) == (60, 10.0, False)
    assert slipping.reason == "no purchase for 60 days, 6.0x their usual 10-day interval"

    result = sweep(session)
    (action,) = [a for a in result.actions if a.rule == "at_risk"]
    assert action.customer_id == risk_desk["Slipping"] and action.due_date == TODAY
    (flag,) = auto_follow_ups(session, "at-risk")
    assert flag.kind == FollowUpKind.CHECK_IN and flag.automatic and flag.assignee == "bence"
    assert flag.note.startswith("At risk: no purchase for 60 days") and "mark them churned" in flag.note
    audit = session.execute(
        select(AuditEntry).where(col(AuditEntry.entity_id) == flag.id, col(AuditEntry.action) == "automatic")
    )
    entry = audit.scalars().one()
    assert json.loads(entry.changes)["reason"] == flag.note and json.loads(entry.changes)["rule"] == "at_risk"
    assert open_at_risk_flags(session) == {risk_desk["Slipping"]: flag.note}

    from deskapp.core.customers.service import get_customer

    assert str(get_customer(session, risk_desk["Slipping"]).stage) == "retention"  # suggested, not churned
    assert sweep(session).actions == ()
    again, _ = at_risk_customers(session, TODAY, SETTINGS, use_model=False)
    assert again[0].flagged


def test_low_probability_alive_flags_too(
    session: Session, risk_desk: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = automation.risk._p_alive
    monkeypatch.setattr(automation.risk, "_p_alive", lambda *a: ({risk_desk["Steady"]: 0.1}, None, real(*a)[2]))
    found, _ = at_risk_customers(session, TODAY, SETTINGS, use_model=True)
    steady = next(c for c in found if c.name == "Steady")
    assert steady.reason == "probability still a customer 10% (under 30%)"
    assert steady.p_alive == pytest.approx(0.1)


def test_small_desks_skip_the_model_and_say_so(session: Session, risk_desk: dict[str, int]) -> None:
    _found, notes = at_risk_customers(session, TODAY, SETTINGS, use_model=True)
    assert notes and notes[0] == (
        "P(alive) rule skipped: not enough history yet: 4 buyers, 3 who bought again "
        "(predictions need 50 buyers and 20 repeat buyers)"
    )


def test_the_model_rule_runs_on_a_desk_large_enough(session: Session, frozen_now: datetime) -> None:
    """Sixty buyers at their own rhythms (weekly to every two months, some who stopped) and one who went
    quiet after buying weekly: the checked fit runs, no note is left, and the quiet one is flagged."""
    for i in range(60):
        cid = id_of(create_customer(session, name=f"Regular {i}"))
        gap = 7 + (i * 13) % 56
        stop = 330 - (i % 4) * 70  # a quarter each stop after 330, 260, 190 and 120 days
        day = i % 20
        while day < stop:
            moment = at(2026, 1, 1) + timedelta(days=day)
            record_purchase(session, cid, amount="10", ordered_at=moment, settings=SETTINGS)
            day += gap
    quiet = id_of(create_customer(session, name="Quiet"))
    for day in range(1, 29, 7):
        record_purchase(session, quiet, amount="10", ordered_at=at(2026, 2, day), settings=SETTINGS)
    found, notes = at_risk_customers(session, TODAY, SETTINGS, use_model=True, min_model_customers=20)
    assert notes == ()
    flagged = {c.name: c for c in found}
    assert "Quiet" in flagged and flagged["Quiet"].p_alive is not None and flagged["Quiet"].p_alive < 0.3


def test_at_risk_customers_get_no_second_cadence_check_in(session: Session, risk_desk: dict[str, int]) -> None:
    contact(session, risk_desk["Slipping"], at(2026, 8, 1))  # also overdue for a cadence check-in
    result = sweep(session)
    rules = sorted(a.rule for a in result.actions if a.customer_id == risk_desk["Slipping"])
    assert rules == ["at_risk"]


def test_a_29_february_birthday_is_remembered_in_other_years(session: Session, frozen_now: datetime) -> None:
    leapling = id_of(create_customer(session, name="Leapling", birthday="2000-02-29"))
    result = run_sweep(session, date(2027, 2, 25), SETTINGS, use_model=False)  # 2027 has no 29 February
    (action,) = [a for a in result.actions if a.rule == "special_day"]
    assert (action.customer_id, action.due_date) == (leapling, date(2027, 2, 25))
    assert action.reason == "Special day: Leapling's birthday on 2027-02-28"
