from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import AuditEntry, id_of


def test_every_write_is_audited_with_staff_and_changes(engine: Engine) -> None:
    with session_scope(engine, staff="anna", write=True) as s:
        c = customers.create_customer(s, name="Ann", email="ann@example.com")
    with session_scope(engine, staff="bence", write=True) as s:
        customers.update_customer(s, id_of(c), email="ann@example.org")
        activity.log_interaction(s, id_of(c), channel="email", summary="new address")
    with session_scope(engine) as s:
        entries = s.execute(select(AuditEntry).order_by(col(AuditEntry.id))).scalars().all()
    inserted = next(e for e in entries if e.entity == "customer" and e.action == "insert")
    assert inserted.staff == "anna" and json.loads(inserted.changes)["name"] == "Ann"
    updated = next(e for e in entries if e.entity == "customer" and e.action == "update")
    assert updated.staff == "bence"
    assert json.loads(updated.changes) == {"email": ["ann@example.com", "ann@example.org"]}
    assert any(e.entity == "interaction" and e.staff == "bence" for e in entries)


def test_a_rolled_back_write_leaves_no_audit(engine: Engine) -> None:
    try:
        with session_scope(engine, write=True) as s:
            customers.create_customer(s, name="Temp")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with session_scope(engine) as s:
        assert s.execute(select(AuditEntry)).first() is None
