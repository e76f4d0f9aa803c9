"""Opening a desk database: URL resolution, connection pragmas, write transactions and migrations.

Why the SQLite set-up looks the way it does (each point reproduced on this machine, each has a test):
- a DEFERRED transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT when another
  connection committed in between; busy_timeout can't help. So write sessions open with BEGIN IMMEDIATE,
  which waits (busy_timeout) for the write lock up front instead.
- `PRAGMA foreign_keys` is a no-op inside a transaction, so it is set in the connect event.
- WAL lets readers carry on while one writer writes: several desks and an import share one file.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlmodel import Session

from deskapp.core.records.errors import DatabaseError

APP_NAME = "deskapp"
BUSY_TIMEOUT_MS = 15_000
CHANGES_CHANNEL = "deskapp_changes"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return Path(os.environ.get("DESKAPP_HOME") or user_data_path(APP_NAME, appauthor=False))


def resolve_url(db: str | os.PathLike[str] | None = None) -> URL:
    """`--db`, then DESKAPP_DB, then desk.db in the user data directory; a plain path means SQLite."""
    raw = str(db) if db is not None else os.environ.get("DESKAPP_DB") or ""
    if not raw:
        return URL.create("sqlite", database=str(default_data_dir() / "desk.db"))
    if "://" in raw:
        url = make_url(raw)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))


def describe_url(url: URL) -> str:
    """A short name for headers and messages, without a password."""
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True)


def current_staff(explicit: str | None = None) -> str:
    """`--as`, then DESKAPP_USER, then the OS login: the name written into every record's staff field."""
    for candidate in (explicit, os.environ.get("DESKAPP_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still a usable desk
        return "unknown"


def _create_private_file(path: Path) -> None:
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
            _create_private_file(Path(url.database))
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
            _upgrade(engine, revision)
            if revision is None and from_locale:
                _settings_from_locale(engine)
        except Exception:
            engine.dispose()
            raise
    return engine


def _settings_from_locale(engine: Engine) -> None:
    from deskapp.core.db.setting_store import write_setting
    from deskapp.core.records.locale_defaults import locale_defaults
    from deskapp.core.records.settings import Settings

    found = locale_defaults(os.environ)
    if found is None:
        return
    defaults = Settings()
    with session_scope(engine, write=True) as session:
        for key, value in found.values.items():
            before = getattr(defaults, key)
            if value != before:
                write_setting(session, key, value, before=before, why=found.source)


# --- sessions -------------------------------------------------------------------------------------------


class DeskSession(Session):
    """A session that knows which staff member it writes for (`info["staff"]`), read by the audit hook."""

    @property
    def staff(self) -> str:
        return str(self.info.get("staff") or "")


@contextmanager
def session_scope(engine: Engine, *, staff: str | None = None, write: bool = False) -> Iterator[DeskSession]:
    """One unit of work: commits on success, rolls back on any error, so nothing is half-saved.

    `write=True` starts the transaction with BEGIN IMMEDIATE on SQLite (see the module docstring).
    """
    bind = engine.execution_options(deskapp_write=True) if write else engine
    session = DeskSession(bind=bind, expire_on_commit=False)
    session.info["staff"] = current_staff(staff)
    try:
        yield session
        if write and engine.url.get_backend_name() == "postgresql":
            # Open desks LISTEN on this channel (deskapp.core.db.changes); delivered only if the commit lands.
            session.execute(text(f"NOTIFY {CHANGES_CHANNEL}"))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- migrations -----------------------------------------------------------------------------------------


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


def check_database(engine: Engine) -> str | None:
    """The database's revision, after refusing files that are not desks or were made by a newer app."""
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception as exc:  # e.g. "file is not a database"
        reason = getattr(exc, "orig", None) or exc
        raise DatabaseError(f"{describe_url(engine.url)} can't be opened as a database: {reason}") from exc
    if not tables:
        return None
    if "alembic_version" not in tables:
        raise DatabaseError(
            f"{describe_url(engine.url)} is not a deskapp database (it has tables: "
            f"{', '.join(sorted(tables)[:5])}); choose another file with --db"
        )
    revision = current_revision(engine)
    if revision is not None and revision not in _known_revisions():
        raise DatabaseError(
            f"{describe_url(engine.url)} was made by a newer deskapp (schema {revision}); "
            "upgrade deskapp to open it. The file was left untouched."
        )
    return revision


def upgrade(engine: Engine) -> bool:
    """Apply pending migrations; returns whether anything ran. Foreign keys are off while SQLite
    batch migrations recreate tables (ON DELETE CASCADE would otherwise empty the child tables)."""
    return _upgrade(engine, check_database(engine))


def _upgrade(engine: Engine, revision: str | None) -> bool:
    from alembic import command

    if revision == head_revision():
        return False
    with engine.connect() as conn:
        sqlite = engine.url.get_backend_name() == "sqlite"
        if sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with conn.begin():
                command.upgrade(_alembic_config(conn), "head")
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise DatabaseError(f"migration left broken references: {problems[:5]}")
        finally:
            if sqlite:
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    return True


# The audit hook listens on DeskSession; importing it here means every desk session is audited.
from deskapp.core.db import audit as _audit  # noqa: E402,F401
