"""The live-refresh watcher: sees other connections' commits, costs one PRAGMA, never holds a transaction."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from deskapp.core import customers
from deskapp.core.changes import ChangeWatcher
from deskapp.core.db import open_engine, session_scope


def test_first_call_is_the_baseline_and_quiet_desk_reports_nothing(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        assert watcher.changed() is False
        assert watcher.changed() is False
    finally:
        watcher.close()


def test_sees_a_commit_from_another_process_engine(engine: Engine, db_path: Path) -> None:
    watcher = ChangeWatcher(engine)
    other = open_engine(db_path)  # a colleague's desk on the same file
    try:
        watcher.changed()
        with session_scope(other, staff="colleague", write=True) as s:
            customers.create_customer(s, name="Added elsewhere")
        assert watcher.changed() is True
        assert watcher.changed() is False
    finally:
        watcher.close()
        other.dispose()


def test_sees_this_process_writes_through_the_pool(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        with session_scope(engine, write=True) as s:
            customers.create_customer(s, name="Mine")
        assert watcher.changed() is True
    finally:
        watcher.close()


def test_bump_reports_once(engine: Engine) -> None:
    watcher = ChangeWatcher(engine)
    try:
        watcher.changed()
        watcher.bump()
        assert watcher.changed() is True
        assert watcher.changed() is False
    finally:
        watcher.close()


def test_watcher_does_not_block_writers_or_checkpoints(engine: Engine, db_path: Path) -> None:
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


def test_aggregate_fallback_for_other_engines(engine: Engine) -> None:
    """The non-SQLite path (aggregates) run against SQLite to prove the query and the comparison."""
    watcher = ChangeWatcher(engine)
    watcher._sqlite = False
    watcher.changed()
    with session_scope(engine, write=True) as s:
        c = customers.create_customer(s, name="Counted")
    assert watcher.changed() is True
    with session_scope(engine, write=True) as s:
        customers.update_customer(s, c.id, company="Changed Ltd")
    assert watcher.changed() is True
    assert watcher.changed() is False
