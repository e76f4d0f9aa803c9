"""Where a desk lives: `--db`, DESKAPP_DB or the user data directory, as a SQLAlchemy URL."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path
from sqlalchemy.engine import URL, make_url

APP_NAME = "deskapp"


def default_data_dir() -> Path:
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
