"""Migration 0005 (a customer's address, consent, further e-mails and phones) keeps every row and value.

A desk at revision 0004 with every table filled (the frozen 0003 desk of the sample business, upgraded to
0004, plus rows in the tables the sample leaves empty) is upgraded to head, on SQLite and on PostgreSQL;
every column that existed before holds the same values in every row, and search still finds people.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import _alembic_config, current_revision, head_revision, make_engine, resolve_url, upgrade
from deskapp.core.ops.maintenance import check_desk
from tests.conftest import POSTGRES_URL

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "schemas" / "desk-0003.db"
EXTRA_ROWS = (
    "INSERT INTO setting (key, value) VALUES ('phone_region', '\"SE\"')",
    "INSERT INTO owner_change (id, customer_id, from_owner, to_owner, at, staff) "
    "VALUES (1, 1, 'anna', 'bence', '2026-11-23 09:30:00', 'fixture')",
    "INSERT INTO merge_record (id, at, staff, survivor_id, other_id, snapshot, undone_at, undone_by) "
    "VALUES (1, '2026-11-23 09:30:00', 'fixture', 1, 999, '{}', NULL, '')",
    "INSERT INTO import_batch (id, started_at, finished_at, kind, file_name, staff, counts, first_audit_id, "
    "last_audit_id, undone_at, undone_by) VALUES (1, '2026-11-23 09:30:00', '2026-11-23 09:31:00', 'customers', "
    "'contacts.csv', 'fixture', '{}', 1, 2, NULL, '')",
    "INSERT INTO import_prior (batch_id, customer_id, stage, version, updated_at, version_after) "
    "VALUES (1, 1, 'awareness', 1, '2026-11-23 09:30:00', 2)",
)


def _at_0004(engine: Engine) -> None:
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0004")


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, by primary key, as the database returns it."""
    meta = MetaData()
    meta.reflect(engine)
    out: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name.startswith("customer_fts") or table.name == "alembic_version":
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
            out[table.name] = [dict(r) for r in rows]
    return out


@contextmanager
def filled_desk(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """A desk at revision 0004 holding the sample business and a row in every table."""
    sqlite_copy = tmp_path / "desk.db"
    shutil.copy(FIXTURE, sqlite_copy)
    source = make_engine(f"sqlite:///{sqlite_copy}")
    _at_0004(source)
    if kind == "sqlite":
        with source.begin() as conn:
            for statement in EXTRA_ROWS:
                conn.execute(text(statement))
        yield source
        source.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(resolve_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_engine(resolve_url(POSTGRES_URL), connect_args={"options": f"-csearch_path={schema},public"})
    try:
        _at_0004(target)
        meta = MetaData()
        meta.reflect(source)
        with source.connect() as read, target.begin() as write:
            for table in meta.sorted_tables:
                if table.name.startswith("customer_fts") or table.name == "alembic_version":
                    continue
                rows = [dict(r) for r in read.execute(select(table)).mappings()]
                if rows:
                    write.execute(insert(table), rows)
            for statement in EXTRA_ROWS:
                write.execute(text(statement))
        yield target
    finally:
        source.dispose()
        target.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_upgrade_to_0005_keeps_every_row_and_value(kind: str, tmp_path: Path) -> None:
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip("set DESKAPP_TEST_POSTGRES_URL to run the PostgreSQL upgrade")
    with filled_desk(kind, tmp_path) as engine:
        before = dump(engine)
        assert all(before[name] for name in before), [name for name in before if not before[name]]
        assert upgrade(engine) and current_revision(engine) == head_revision()
        after = dump(engine)
        for name, rows in before.items():
            kept = [{k: row[k] for k in rows[0]} for row in after[name]]
            assert kept == rows, name
        assert after["customer_email"] == [] and after["customer_phone"] == []
        assert {(r["country"], r["street"], r["search_contacts"]) for r in after["customer"]} == {("", "", "")}
        assert check_desk(engine, repair=False).ok
        from deskapp.core.db.engine import session_scope

        with session_scope(engine) as s:
            assert customers.search_customers(s, "zoe angstrom").items[0].name == "Zoë Ångström-Nagy"
            assert customers.search_customers(s, "zoe@example").items[0].name == "Zoë Ångström-Nagy"
