"""Sessions: one unit of work each, knowing which staff member it writes for, audited on every flush."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from deskapp.core.db.audit import after_flush
from deskapp.core.db.changes import CHANGES_CHANNEL
from deskapp.core.db.staff import STAFF_KEY, current_staff, staff_of


class DeskSession(Session):
    """A session that knows which staff member it writes for (`info["staff"]`), read by the audit hook."""

    @property
    def staff(self) -> str:
        return staff_of(self)


# Installed here, beside the class, so no session of the desk can exist unaudited.
event.listen(DeskSession, "after_flush", after_flush)


@contextmanager
def session_scope(engine: Engine, *, staff: str | None = None, write: bool = False) -> Iterator[DeskSession]:
    """One unit of work: commits on success, rolls back on any error, so nothing is half-saved.

    `write=True` starts the transaction with BEGIN IMMEDIATE on SQLite (see `deskapp.core.db.engine`).
    """
    bind = engine.execution_options(deskapp_write=True) if write else engine
    session = DeskSession(bind=bind, expire_on_commit=False)
    session.info[STAFF_KEY] = current_staff(staff)
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
