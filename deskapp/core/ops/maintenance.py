"""`db check`: is the desk sound? Integrity, foreign keys, and the search index in step with its table.

The search index is the one part that can drift without SQLite noticing (a raw write that bypassed the
triggers, a file restored from elsewhere); it is derived data, so the check rebuilds it when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.customers import index_in_sync, rebuild_index
from deskapp.core.db import session_scope
from deskapp.core.records import Customer


@dataclass
class CheckReport:
    integrity: str = "ok"
    foreign_key_problems: list[str] = field(default_factory=list)
    search_index_ok: bool = True
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.foreign_key_problems and self.search_index_ok


def check_desk(engine: Engine, *, repair: bool = True) -> CheckReport:
    report = CheckReport()
    sqlite = engine.url.get_backend_name() == "sqlite"
    with session_scope(engine, staff="deskapp-check", write=repair) as session:
        if sqlite:
            rows = session.execute(text("PRAGMA integrity_check")).all()
            report.integrity = "; ".join(str(r[0]) for r in rows[:10])
            report.foreign_key_problems = [
                f"{r[0]} row {r[1]} points at a missing {r[2]}"
                for r in session.execute(text("PRAGMA foreign_key_check"))
            ]
            in_sync = index_in_sync(session) and _fts_count(session) == _customer_count(session)
        else:
            stale = session.execute(
                select(func.count()).select_from(Customer).where(col(Customer.search_text).is_(None))
            ).scalar_one()
            in_sync = stale == 0
        report.search_index_ok = in_sync
        if not in_sync and repair:
            if sqlite:
                rebuild_index(session)
            else:
                session.execute(text("UPDATE customer SET name = name WHERE search_text IS NULL"))
            report.repaired.append("search index rebuilt from the customer table")
            report.search_index_ok = True
    return report


def _fts_count(session: Session) -> int:
    return int(session.execute(text("SELECT count(*) FROM customer_fts_docsize")).scalar_one())


def _customer_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(Customer)).scalar_one())
