from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db import audit, staff_of
from deskapp.core.db.audit import FieldChanges, RowValues, Summary
from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import AuditEntry, Stage, id_of


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


def test_payloads_write_json_and_read_back() -> None:
    at = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    row = RowValues({"stage": Stage.PURCHASE, "at": at, "amount": Decimal("1.50"), "name": "Ann"})
    stored = json.loads(json.dumps(row.to_json()))
    assert stored == {"stage": "purchase", "at": at.isoformat(), "amount": "1.50", "name": "Ann"}
    assert RowValues.from_json(stored) == RowValues(stored)
    change = FieldChanges({"email": ("a@example.com", "b@example.com")})
    assert change.to_json() == {"email": ["a@example.com", "b@example.com"]}
    assert FieldChanges.from_json(change.to_json()) == change
    assert Summary.from_json(Summary({"rows": 3}).to_json()) == Summary({"rows": 3})


def test_entries_read_back_as_the_payload_their_action_wrote(engine: Engine) -> None:
    with session_scope(engine, staff="anna", write=True) as s:
        c = customers.create_customer(s, name="Ann", email="ann@example.com")
        customers.update_customer(s, id_of(c), email="ann@example.org")
        audit.record(s, action="import", entity="desk", entity_id=None, changes={"rows": 2})
    with session_scope(engine) as s:
        entries = {(e.entity, e.action): e for e in s.scalars(select(AuditEntry).order_by(col(AuditEntry.id)))}
    inserted = audit.payload_of(entries["customer", "insert"])
    assert isinstance(inserted, RowValues) and inserted.values["name"] == "Ann"
    updated = audit.payload_of(entries["customer", "update"])
    assert updated == FieldChanges({"email": ("ann@example.com", "ann@example.org")})
    assert audit.payload_of(entries["desk", "import"]) == Summary({"rows": 2})
    assert entries["desk", "import"].staff == "anna"


def test_staff_of_reads_who_the_session_writes_for(engine: Engine) -> None:
    with session_scope(engine, staff="bence") as s:
        assert staff_of(s) == s.staff == "bence"
    assert staff_of(Session(engine)) == ""
