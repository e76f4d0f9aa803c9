from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.activity import reminders
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.io.sample import ensure_demo_database, load_sample
from deskapp.core.records.tables import Customer, Stage, StageChange


def test_sample_loads_a_believable_business(engine: Engine, frozen_now: datetime) -> None:
    counts = load_sample(engine, today=date(2026, 11, 23))
    assert 180 <= counts["customer"] <= 220
    assert counts["interaction"] >= 1500 and counts["purchase"] >= 1000
    with session_scope(engine) as s:
        assert customers.search_customers(s, "odon").items[0].name == "Ödön Kovács"
        assert customers.search_customers(s, "asa lindq").items[0].name == "Åsa Lindqvist"
        due = reminders.due_follow_ups(s, date(2026, 11, 23), days=7).items
        assert {r.days_overdue for r in due} >= {1, 0, -1}
        complaints = reminders.open_complaints(s).items
        assert any(c.first_response_late for c in complaints)
        statuses = {
            r[0]
            for r in s.execute(select(col(StageChange.churn_reason)).where(col(StageChange.churn_reason).is_not(None)))
        }
        assert len(statuses) >= 3
        by_stage = dict(s.execute(select(col(Customer.stage), func.count()).group_by(col(Customer.stage))).all())
        assert set(by_stage) == set(Stage)
        for (cid,) in s.execute(select(col(Customer.id))).all()[:50]:
            history = s.execute(
                select(col(StageChange.to_stage))
                .where(col(StageChange.customer_id) == cid)
                .order_by(col(StageChange.at), col(StageChange.id))
            ).all()
            assert history[-1][0] == customers.get_customer(s, cid).stage


def test_demo_database_is_built_once_and_rebuilt_on_request(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    engine = ensure_demo_database(path)
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Added By Hand")
    engine.dispose()
    again = ensure_demo_database(path)
    with session_scope(again) as s:
        assert customers.search_customers(s, "added by hand").items
    again.dispose()
    fresh = ensure_demo_database(path, fresh=True)
    with session_scope(fresh) as s:
        assert not customers.search_customers(s, "added by hand").items
    fresh.dispose()
