"""The TUI's read models: the profile card and "due right now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from deskapp.core.activity import service as activity
from deskapp.core.activity.desk import customer_profile, due_now, is_due_now
from deskapp.core.customers import lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession
from deskapp.core.records.errors import NotFound
from deskapp.core.records.readmodels import FollowUpRow
from deskapp.core.records.tables import id_of


def test_profile_has_history_counts_and_revenue(session: DeskSession, frozen_now: datetime) -> None:
    c = customers.create_customer(session, name="Ödön Kovács", tags="vip, ebike", owner="anna")
    activity.record_purchase(session, id_of(c), amount="12.50")
    activity.record_purchase(session, id_of(c), amount="10")
    activity.log_interaction(session, id_of(c), channel="call", summary="hello", occurred_at=frozen_now)
    activity.open_complaint(session, id_of(c), subject="Late delivery")
    lifecycle.change_stage(session, id_of(c), "churned", reason="moved away", churn_reason="no_longer_needed")
    p = customer_profile(session, id_of(c))
    assert (p.name, p.owner, p.tags, p.stage) == ("Ödön Kovács", "anna", ("vip", "ebike"), "churned")
    assert p.orders == 2 and p.revenue == Decimal("22.50")
    assert p.open_complaints == 1
    assert p.pending_follow_ups >= 1 and p.next_follow_up is not None
    assert p.last_contact == frozen_now
    assert [s.to_stage for s in p.stage_history] == ["awareness", "purchase", "retention", "churned"]
    assert p.stage_history[-1].churn_reason == "no_longer_needed"
    assert p.stage_history[-1].automatic is False


def test_profile_of_missing_customer(session: DeskSession) -> None:
    with pytest.raises(NotFound):
        customer_profile(session, 999)


def _row(due: date, at: time | None = None) -> FollowUpRow:
    return FollowUpRow(1, 1, "x", due, at, "check_in", "", "open", "", 0)


def test_is_due_now_by_day_and_time() -> None:
    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # tests run with TZ=UTC
    assert is_due_now(_row(date(2026, 11, 22)), now)
    assert is_due_now(_row(date(2026, 11, 23)), now)
    assert is_due_now(_row(date(2026, 11, 23), time(9, 30)), now)
    assert not is_due_now(_row(date(2026, 11, 23), time(14, 0)), now)
    assert not is_due_now(_row(date(2026, 11, 24)), now)


def test_due_now_lists_what_has_come_due(session: DeskSession, frozen_now: datetime) -> None:
    c = customers.create_customer(session, name="Due")
    a = activity.schedule_follow_up(session, id_of(c), due="2026-11-22")
    b = activity.schedule_follow_up(session, id_of(c), due="2026-11-23 09:00")
    later = activity.schedule_follow_up(session, id_of(c), due="2026-11-23 14:00")
    activity.schedule_follow_up(session, id_of(c), due="2026-11-24")
    ids = [r.id for r in due_now(session, frozen_now)]
    assert ids == [a.id, b.id]
    assert later.id not in [r.id for r in due_now(session, frozen_now)]
    assert later.id in [r.id for r in due_now(session, frozen_now.replace(hour=14))]
