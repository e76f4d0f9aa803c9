"""The schema's version: Alembic revisions applied on open, and the refusal of files that are not desks.

Foreign keys are off while SQLite batch migrations recreate tables: with ON DELETE CASCADE, dropping the
old copy of a parent table would otherwise empty its child tables.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from deskapp.core.db.urls import describe_url
from deskapp.core.records import DatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an ini file; env.py runs on the connection handed in here."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


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
    if revision is not None and revision not in known_revisions():
        raise DatabaseError(
            f"{describe_url(engine.url)} was made by a newer deskapp (schema {revision}); "
            "upgrade deskapp to open it. The file was left untouched."
        )
    return revision


def _foreign_keys(conn: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign keys on the driver connection itself: through SQLAlchemy the PRAGMA would
    run inside the transaction its begin event opens, where SQLite ignores it."""
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise DatabaseError("the migration's connection was closed before it finished")
    cursor = raw.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def upgrade(engine: Engine) -> bool:
    """Apply pending migrations; returns whether anything ran (foreign keys off meanwhile on SQLite)."""
    revision = check_database(engine)
    if revision == head_revision():
        return False
    with engine.connect() as conn:
        sqlite = engine.url.get_backend_name() == "sqlite"
        if sqlite:
            _foreign_keys(conn, on=False)
        try:
            with conn.begin():
                command.upgrade(alembic_config(conn), "head")
                if sqlite:
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise DatabaseError(f"migration left broken references: {problems[:5]}")
        finally:
            if sqlite:
                _foreign_keys(conn, on=True)
    return True
