"""A cheap "did anything change?" check, so a desk can show a colleague's or an import's writes live.

Polled every couple of seconds by the TUI, so it must cost next to nothing whatever the desk's size:
- SQLite: `PRAGMA data_version` on one connection the watcher keeps for itself. The number changes when any
  *other* connection commits (another process, or this process's pooled session connections), and reading it
  opens no transaction, so the watcher never pins a WAL snapshot or blocks a checkpoint.
- PostgreSQL: write sessions `NOTIFY deskapp_changes` as they commit (`deskapp.core.db.sessions.session_scope`); the
  watcher `LISTEN`s on a connection of its own (taken out of the pool, autocommit) and drains what arrived,
  without waiting. Writers that bypass the session (raw SQL) are caught by the aggregate check every
  `AGGREGATE_EVERY` polls.
- Other engines (or PostgreSQL if LISTEN can't be set up): a handful of aggregates over the main tables
  (the audit trail's last id, counts, the latest `updated_at`), which change with every write the services
  make.

`bump()` marks a change by hand, for writes the watcher can't see (an in-memory SQLite desk shares a single
connection, so its data_version never moves).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

CHANGES_CHANNEL = "deskapp_changes"  # write sessions NOTIFY it on PostgreSQL as they commit
AGGREGATE_EVERY = 15  # on PostgreSQL, also compare the aggregates every this many polls

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
        self._backend = engine.url.get_backend_name()
        self._lock = threading.Lock()
        self._connection: Any = None  # the watcher's own DBAPI connection (SQLite, PostgreSQL)
        self._driver: Any = None  # PostgreSQL: the psycopg connection that LISTENs
        self._listening = False
        self._polls = 0
        self._last: Any = None
        self._bumped = False

    # --- one check per backend ------------------------------------------------------------------------

    def _sqlite_token(self) -> Any:
        if self._connection is None:
            # A pooled DBAPI connection kept for the watcher's lifetime: the connect event already set
            # autocommit (isolation_level=None), so the PRAGMA below starts no transaction.
            self._connection = self._engine.raw_connection()
        cursor = self._connection.cursor()
        try:
            return cursor.execute("PRAGMA data_version").fetchone()[0]
        finally:
            cursor.close()

    def _aggregate_token(self) -> Any:
        with self._engine.connect() as conn:
            return tuple(conn.execute(_AGGREGATES).one())

    def _listen(self) -> bool:
        """Set up LISTEN on a connection of our own; False when it can't be (then aggregates are used)."""
        try:
            proxied = self._engine.raw_connection()
            driver = proxied.driver_connection
            if driver is None:  # the pool handed back no live driver connection: aggregates will do
                proxied.close()
                return False
            proxied.detach()  # ours alone: autocommit must not leak back into the pool
            driver.rollback()  # the pool's pre-ping may have left a transaction open
            driver.autocommit = True
            driver.execute(f"LISTEN {CHANGES_CHANNEL}")
        except Exception:
            return False
        self._connection = proxied  # closing the detached proxy closes the connection for good
        self._driver = driver
        return True

    def _notified(self) -> bool:
        return any(True for _ in self._driver.notifies(timeout=0))

    # --- the interface ----------------------------------------------------------------------------------

    def changed(self) -> bool:
        """Whether the desk changed since the previous call (the first call only takes the baseline)."""
        with self._lock:
            self._polls += 1
            first = self._last is None
            if self._backend == "sqlite":
                token = self._sqlite_token()
                moved = not first and token != self._last
            elif self._backend == "postgresql" and (self._listening or (first and self._listen())):
                self._listening = True
                notified = not first and self._notified()
                token = self._last
                if first or self._polls % AGGREGATE_EVERY == 0:
                    token = self._aggregate_token()
                moved = notified or (not first and token != self._last)
            else:
                token = self._aggregate_token()
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
                    self._listening = False
