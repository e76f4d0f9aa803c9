"""The storage pitfalls reproduced on this machine, each pinned by a test."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import (
    current_revision,
    current_staff,
    head_revision,
    open_engine,
    resolve_url,
    session_scope,
)
from deskapp.core.records.errors import DatabaseError
from deskapp.core.records.tables import id_of


def test_new_database_is_private_and_migrated(db_path: Path) -> None:
    engine = open_engine(db_path)
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
    engine.dispose()


def test_wal_side_files_are_private_too(db_path: Path) -> None:
    engine = open_engine(db_path)
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Ann")
        wal = Path(f"{db_path}-wal")
        assert wal.exists()
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    # The engine-specific search objects live only in migrations: FTS5 tables (SQLite), the trigram index (PG).
    relevant = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name.startswith("customer_fts"))
        and not (d[0] == "remove_index" and d[1].name == "ix_customer_search_text")
    ]
    assert relevant == []


def test_a_newer_database_is_refused_and_left_untouched(db_path: Path) -> None:
    open_engine(db_path).dispose()
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = db_path.read_bytes()
    with pytest.raises(DatabaseError, match="newer deskapp"):
        open_engine(db_path)
    assert db_path.read_bytes() == before


def test_a_foreign_database_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseError, match="not a deskapp database"):
        open_engine(db_path)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="can't be opened"):
        open_engine(junk)
    assert junk.read_bytes() == b"this is not sqlite at all" * 100


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(Exception, match="(?i)foreign key"):
        with session_scope(engine, write=True) as s:
            s.execute(
                text(
                    "INSERT INTO interaction (customer_id, channel, direction, occurred_at, summary, details, staff, "
                    "created_at) VALUES (999, 'call', 'out', '2026-01-01', 'x', '', '', '2026-01-01')"
                )
            )


def test_read_then_write_while_another_connection_commits(db_path: Path) -> None:
    """A DEFERRED read-then-write fails with SQLITE_BUSY_SNAPSHOT; BEGIN IMMEDIATE write sessions wait instead."""
    engine = open_engine(db_path)
    with session_scope(engine, write=True) as s:
        cid = id_of(customers.create_customer(s, name="Counter"))
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with session_scope(engine, staff=f"w{n}", write=True) as s:
                    c = customers.get_customer(s, cid)  # read ...
                    customers.update_customer(s, cid, notes=f"{c.notes}{n}.{i};")  # ... then write
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(engine) as s:
        notes = customers.get_customer(s, cid).notes
    assert len([x for x in notes.split(";") if x]) == 60  # no lost update
    engine.dispose()


def test_upgrade_keeps_data_and_child_rows(db_path: Path) -> None:
    """Opening an existing desk again (migrations run on open) keeps every row, children included."""
    engine = open_engine(db_path)
    with session_scope(engine, write=True) as s:
        from deskapp.core.activity import service as activity

        c = customers.create_customer(s, name="Keep Me", email="keep@example.com")
        activity.log_interaction(s, id_of(c), channel="call", summary="hello")
    engine.dispose()
    again = open_engine(db_path)
    with session_scope(again) as s:
        assert customers.search_customers(s, "keep").items[0].name == "Keep Me"
        assert len(customers.timeline(s, id_of(c)).items) == 2
    again.dispose()


def test_url_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_url(tmp_path / "a.db").database == str(tmp_path / "a.db")
    monkeypatch.setenv("DESKAPP_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).database == str(tmp_path / "env.db")
    assert resolve_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    monkeypatch.delenv("DESKAPP_DB")
    assert str(resolve_url(None).database).endswith("desk.db")


def test_current_staff_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKAPP_USER", "env-user")
    assert current_staff("explicit") == "explicit"
    assert current_staff(None) == "env-user"
    monkeypatch.delenv("DESKAPP_USER")
    assert current_staff(None)
