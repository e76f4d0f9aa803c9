"""The live-refresh watcher: sees other connections' commits cheaply, never holds a transaction open."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers
from deskapp.core.db.changes import AGGREGATE_EVERY, ChangeWatcher
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.records.tables import id_of


def _sqlite(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "sqlite"


def eventually_changed(watcher: ChangeWatcher, tries: int = 40) -> bool:
    """A NOTIFY travels over the network: give it a moment (SQLite answers at once)."""
    for _ in range(tries):
        if watcher.changed():
            return True
        time.sleep(0.05)
    return False


def test_first_call_is_the_baseline(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        assert watcher.changed() is False
        if _sqlite(engine):  # on PostgreSQL, tests in other schemas of the same database also notify
            assert watcher.changed() is False
    finally:
        watcher.close()


def test_sees_a_write_session_commit(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        with session_scope(engine, staff="colleague", write=True) as s:
            customers.create_customer(s, name="Added elsewhere")
        assert eventually_changed(watcher)
        if _sqlite(engine):
            assert watcher.changed() is False
    finally:
        watcher.close()


@pytest.mark.engines("sqlite")  # SQLite file sharing
def test_sees_another_process_on_the_same_sqlite_file(engine: Engine, db_path: Path) -> None:
    watcher = ChangeWatcher(engine)
    other = open_engine(db_path)  # a colleague's desk on the same file
    try:
        watcher.changed()
        with session_scope(other, staff="colleague", write=True) as s:
            customers.create_customer(s, name="Added elsewhere")
        assert watcher.changed() is True
    finally:
        watcher.close()
        other.dispose()


def test_bump_reports_once(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        watcher.bump()
        assert watcher.changed() is True
        if _sqlite(engine):
            assert watcher.changed() is False
    finally:
        watcher.close()


@pytest.mark.engines("sqlite")  # WAL checkpoints are SQLite's
def test_watcher_does_not_block_writers_or_checkpoints(engine: Engine) -> None:
    """No open read transaction: a writer and a full checkpoint both go through while the watcher lives."""
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        with session_scope(engine, write=True) as s:
            customers.create_customer(s, name="Writer")
        with engine.connect() as conn:
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        assert busy == 0
    finally:
        watcher.close()


def test_aggregates_for_other_engines(engine: Engine) -> None:
    """The portable path (aggregates over the main tables), forced on whatever engine the suite runs."""
    watcher = ChangeWatcher(engine)
    watcher._backend = "other"
    watcher.changed()
    with session_scope(engine, write=True) as s:
        c = customers.create_customer(s, name="Counted")
    assert watcher.changed() is True
    with session_scope(engine, write=True) as s:
        customers.update_customer(s, id_of(c), company="Changed Ltd")
    assert watcher.changed() is True
    assert watcher.changed() is False
    watcher.close()


@pytest.mark.engines("postgres")  # PostgreSQL LISTEN/NOTIFY
def test_postgres_raw_writes_without_notify_are_caught_by_the_aggregates(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        assert watcher._listening
        with engine.begin() as conn:  # not a desk session: no NOTIFY
            conn.execute(
                text(
                    "INSERT INTO customer (name, company, email, phone, phone_raw, search_phone, tags, source, owner,"
                    " stage, special_dates, notes, created_at, updated_at, archived, version) VALUES ('Raw', '', '',"
                    " '', '', '', '', '', '', 'awareness', '', '', now(), now(), false, 1)"
                )
            )
        assert any(watcher.changed() for _ in range(AGGREGATE_EVERY))
    finally:
        watcher.close()
