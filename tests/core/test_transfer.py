"""`db copy`: a desk moved to another engine and back is the same desk, id for id."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.io.sample import load_sample
from deskapp.core.ops.transfer import copy_desk, desk_tables
from deskapp.core.records.errors import DatabaseError
from tests.core.ids import id_of


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, minus what a copy adds by design (its audit entry, PG's search text)."""
    out = {}
    with engine.connect() as conn:
        for table in desk_tables():
            rows = [dict(r) for r in conn.execute(select(table).order_by(*table.primary_key)).mappings()]
            for row in rows:
                row.pop("search_text", None)
            if table.name == "audit_entry":
                rows = [r for r in rows if r["action"] != "copy_in"]
            out[table.name] = rows
    return out


def test_round_trip_through_the_other_engine(engine: Engine, tmp_path: Path, frozen_now: datetime) -> None:
    source = open_engine(tmp_path / "source.db")
    load_sample(source, today=date(2026, 11, 23))
    with session_scope(source, staff="anna", write=True) as s:
        c = customers.create_customer(s, name="Zsófia Tóth", email="zsofia@example.hu", birthday="1991-02-03")
        activity.record_purchase(s, id_of(c), amount="12,50", cost="3.10")
    before = dump(source)
    copy_desk(source, engine)  # into the parametrised engine: SQLite, or PostgreSQL
    back = open_engine(tmp_path / "back.db")
    copy_desk(engine, back)
    assert dump(back) == before
    with session_scope(engine) as s:
        assert customers.search_customers(s, "zsofia toth").items[0].name == "Zsófia Tóth"
    with session_scope(engine, write=True) as s:  # ids keep counting after the copied ones
        new = customers.create_customer(s, name="After Copy")
        assert new.id == max(r["id"] for r in before["customer"]) + 1
    source.dispose()
    back.dispose()


def test_copy_refuses_a_desk_that_has_records(engine: Engine, tmp_path: Path) -> None:
    source = open_engine(tmp_path / "s.db")
    with session_scope(source, write=True) as s:
        customers.create_customer(s, name="A")
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Already here")
    with pytest.raises(DatabaseError, match="already holds records"):
        copy_desk(source, engine)
    source.dispose()
