"""A cheap "did anything change?" check, so a desk can show a colleague's or an import's writes live.

Polled every couple of seconds by the TUI, so it must cost next to nothing whatever the desk's size:
- SQLite: `PRAGMA data_version` on one connection the watcher keeps for itself. The number changes when any
  *other* connection commits (another process, or this process's pooled session connections), and reading it
  opens no transaction, so the watcher never pins a WAL snapshot or blocks a checkpoint.
- Other engines: a handful of aggregates over indexed columns of the main tables (the audit trail's last id,
  counts, the latest `updated_at`), which change with every write the services make.

`bump()` marks a change by hand, for writes the watcher can't see (an in-memory SQLite desk shares a single
connection, so its data_version never moves).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

_AGGREGATES = text(
    "SELECT"
    " (SELECT max(id) FROM audit_entry),"
    " (SELECT count(*) FROM customer), (SELECT max(updated_at) FROM customer),"
    " (SELECT count(*) FROM complaint), (SELECT max(updated_at) FROM complaint),"
    " (SELECT count(*) FROM follow_up), (SELECT sum(version) FROM follow_up),"
    " (SELECT max(id) FROM interaction), (SELECT max(id) FROM purchase), (SELECT max(id) FROM stage_change)"
)


class ChangeWatcher:
    """Answers "changed since I last asked?" for one desk; safe to call from any one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.url.get_backend_name() == "sqlite"
        self._lock = threading.Lock()
        self._connection: Any = None
        self._last: Any = None
        self._bumped = False

    def _token(self) -> Any:
        if self._sqlite:
            if self._connection is None:
                # A pooled DBAPI connection kept for the watcher's lifetime: the connect event already set
                # autocommit (isolation_level=None), so the PRAGMA below starts no transaction.
                self._connection = self._engine.raw_connection()
            cursor = self._connection.cursor()
            try:
                return cursor.execute("PRAGMA data_version").fetchone()[0]
            finally:
                cursor.close()
        with self._engine.connect() as conn:
            return tuple(conn.execute(_AGGREGATES).one())

    def changed(self) -> bool:
        """Whether the desk changed since the previous call (the first call only takes the baseline)."""
        with self._lock:
            token = self._token()
            first = self._last is None
            moved = not first and token != self._last
            self._last = token
            bumped, self._bumped = self._bumped, False
            return moved or bumped

    def bump(self) -> None:
        """Report a change on the next `changed()` call, whatever the database says."""
        with self._lock:
            self._bumped = True

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.close()
                finally:
                    self._connection = None
