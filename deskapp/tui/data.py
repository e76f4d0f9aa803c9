"""The desk's database as the TUI uses it: one engine, a fresh session per worker, errors as notifications.

Rules this module holds for every screen:
- sessions are opened inside thread workers only (`Desk.read()` / `Desk.write()`), one per unit of work,
  never shared across threads and never kept after the worker ends;
- the engine may still be opening when the first screen paints (`run_desk` without an engine); workers
  simply wait for it;
- an error a person can act on becomes a notification with the core's message, anything else a short
  notification too (details in the Textual log) -- never a traceback over the desk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from textual.app import App

    from deskapp.core.db import DeskSession


class Desk:
    """Holds the engine (or opens it from the URL in a worker) and who is at the desk."""

    def __init__(self, engine: Engine | None, url: Any = None, staff: str | None = None) -> None:
        self._engine = engine
        self.url = url if url is not None else (engine.url if engine is not None else None)
        self.requested_staff = staff
        self.staff = staff or ""
        self._ready = threading.Event()
        self._error: BaseException | None = None
        if engine is not None:
            self._ready.set()

    def open(self) -> None:
        """Open (and migrate) the database if the app was given only a URL, a path or nothing (then the
        usual `--db` / DESKAPP_DB / default resolution applies); resolve the staff name."""
        from deskapp.core.db import current_staff

        try:
            self.staff = current_staff(self.requested_staff)
            if self._engine is None:
                from deskapp.core.db import open_engine

                self._engine = open_engine(self.url)  # a URL as it is; a path, a string or None resolved
                self.url = self._engine.url
                self._start_daily_backup(self._engine)
        except BaseException as exc:
            self._error = exc
            raise
        finally:
            self._ready.set()

    @staticmethod
    def _start_daily_backup(engine: Engine) -> None:
        """Today's rotating backup, beside the desk's work rather than before it (a backup killed at exit
        leaves only a temporary file, which the next one cleans up)."""
        from deskapp.core.ops import daily_backup_on_open

        threading.Thread(target=daily_backup_on_open, args=(engine,), name="daily-backup", daemon=True).start()

    def label(self) -> str:
        """ "<database> · <staff>" for the header."""
        from deskapp.core.db import current_staff, describe_url

        where = describe_url(self.url) if self.url is not None else "?"
        return f"{where} · {current_staff(self.requested_staff)}"

    @property
    def failed(self) -> BaseException | None:
        return self._error

    @property
    def engine(self) -> Engine:
        self._ready.wait()
        if self._error is not None:
            raise self._error
        assert self._engine is not None
        return self._engine

    @property
    def is_open(self) -> bool:
        return self._engine is not None and self._ready.is_set()

    @contextmanager
    def read(self) -> Iterator[DeskSession]:
        from deskapp.core.db import session_scope

        with session_scope(self.engine, staff=self.requested_staff, write=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[DeskSession]:
        """One write transaction (BEGIN IMMEDIATE on SQLite): all of it lands or none of it does."""
        from deskapp.core.db import session_scope

        with session_scope(self.engine, staff=self.requested_staff, write=True) as session:
            yield session


def describe_error(exc: BaseException, doing: str) -> str:
    """What to tell the person: the core's own message for its errors, a short line for anything else."""
    from deskapp.core.records import DeskError, ValidationFailed

    if isinstance(exc, ValidationFailed):
        return "; ".join(f"{e.field.replace('_', ' ')} {e.message}" for e in exc.errors)
    if isinstance(exc, DeskError):
        return str(exc)
    return f"Something went wrong while {doing}: {type(exc).__name__}: {exc}"


@contextmanager
def guard(app: App[Any], doing: str) -> Iterator[None]:
    """Inside a worker: turn any exception into an error notification (thread-safe) and swallow it."""
    try:
        yield
    except Exception as exc:
        app.log.error(f"{doing} failed: {exc!r}")
        app.notify(describe_error(exc, doing), title="Not done", severity="error", markup=False, timeout=8)
