"""Opening a desk database: the connection pragmas and how write transactions begin.

URLs (`urls`), sessions (`sessions`) and migrations (`migrate`) live beside this module; their names are
re-exported here because most callers still import them from `deskapp.core.db.engine`.

Why the SQLite set-up looks the way it does (each point reproduced on this machine, each has a test):
- a DEFERRED transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another
  connection committed in between; busy_timeout can't help. So write sessions open with BEGIN IMMEDIATE,
  which waits (busy_timeout) for the write lock up front instead.
- `PRAGMA foreign_keys` is a no-op inside a transaction, so it is set in the connect event.
- WAL lets readers carry on while one writer writes: several desks and an import share one file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url

from deskapp.core.db.changes import CHANGES_CHANNEL
from deskapp.core.db.migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    check_database,
    current_revision,
    head_revision,
    known_revisions,
    upgrade,
    upgrade_from,
)
from deskapp.core.db.sessions import DeskSession, session_scope
from deskapp.core.db.setting_store import write_setting
from deskapp.core.db.staff import current_staff
from deskapp.core.db.urls import APP_NAME, default_data_dir, describe_url, resolve_url
from deskapp.core.records import Settings, locale_defaults

BUSY_TIMEOUT_MS = 15_000


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not the driver, decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("deskapp_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: URL | str, **kwargs: Any) -> Engine:
    """An engine with the desk's connection settings; no migrations (see `open_engine`)."""
    url = make_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        if url.database not in (None, "", ":memory:"):
            create_private_file(Path(url.database))
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = create_engine(url, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def open_engine(
    db: str | os.PathLike[str] | URL | None = None, *, migrate: bool = True, from_locale: bool = True
) -> Engine:
    """The engine for a desk, its schema brought up to date (refusing foreign and newer databases).

    A desk created here takes its phone region and currency from the OS locale (`from_locale`; the demo
    business keeps its own). Only at creation: `db upgrade` and `db copy` make empty desks to copy into,
    and an existing desk's settings are the owner's, whatever the locale of whoever opens it."""
    url = db if isinstance(db, URL) else resolve_url(db)
    engine = make_engine(url)
    if migrate:
        try:
            revision = check_database(engine)
            upgrade_from(engine, revision)
            if revision is None and from_locale:
                _settings_from_locale(engine)
        except Exception:
            engine.dispose()
            raise
    return engine


def _settings_from_locale(engine: Engine) -> None:
    found = locale_defaults(os.environ)
    if found is None:
        return
    defaults = Settings()
    with session_scope(engine, write=True) as session:
        for key, value in found.values.items():
            before = getattr(defaults, key)
            if value != before:
                write_setting(session, key, value, before=before, why=found.source)


# Older names, kept while callers outside the db package move to the public ones.
_alembic_config = alembic_config

__all__ = [
    "APP_NAME",
    "BUSY_TIMEOUT_MS",
    "CHANGES_CHANNEL",
    "MIGRATIONS_DIR",
    "DeskSession",
    "alembic_config",
    "check_database",
    "create_private_file",
    "current_revision",
    "current_staff",
    "default_data_dir",
    "describe_url",
    "head_revision",
    "known_revisions",
    "make_engine",
    "open_engine",
    "resolve_url",
    "session_scope",
    "upgrade",
]
