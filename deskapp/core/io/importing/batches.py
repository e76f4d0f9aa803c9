"""Import batches: every committed import is one, listed by `deskapp import history` and reversed by
`deskapp import undo BATCH`.

The importer writes straight to the tables (see store.py), so what a batch did is read back from its
audit entries: the ids it inserted (as ranges per table), and for each row it updated the old and new
values plus the bookkeeping columns (`prior`: version, updated_at) that put the row back exactly.

An undo removes the inserted rows and restores the updated ones, in one transaction, unless that would
lose work done since: a later edit of a row the import touched, a row added since that hangs off a row
the import added (a call logged on an imported customer), or an imported row already gone. It then says
which, and changes nothing. The audit trail itself is kept: the undo is one more entry in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from deskapp.core.db import audit
from deskapp.core.hygiene import decode
from deskapp.core.io.importing.payload import IMPORT_ACTION, UNDO_ACTION, ImportEntry, ImportUndoEntry
from deskapp.core.io.importing.undo_checks import (
    AUDIT,
    BATCH,
    SHOWN_BLOCKERS,
    Effects,
    blockers,
    in_ranges,
    read_effects,
    tables_by_name,
)
from deskapp.core.records import Customer, DeskError, ImportPrior, NotFound, Staff, clock, table_of


class ImportUndoRefused(DeskError):
    """The undo would lose later work; `reasons` says which rows, one line each."""

    def __init__(self, batch_id: int, reasons: list[str], total: int) -> None:
        self.batch_id, self.reasons, self.total = batch_id, reasons, total
        more = f" (and {total - len(reasons)} more)" if total > len(reasons) else ""
        super().__init__(f"import {batch_id} can't be undone without losing later changes{more}: " + "; ".join(reasons))


@dataclass(frozen=True)
class BatchRow:
    id: int
    started_at: datetime
    finished_at: datetime | None
    kind: str
    file_name: str
    staff: str
    counts: dict[str, int]
    undone_at: datetime | None
    undone_by: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": audit.json_value(self.started_at),
            "finished_at": audit.json_value(self.finished_at),
            "kind": self.kind,
            "file": self.file_name,
            "staff": self.staff,
            "counts": self.counts,
            "undone_at": audit.json_value(self.undone_at),
            "undone_by": self.undone_by or None,
        }


@dataclass
class UndoResult:
    batch: BatchRow
    removed: dict[str, int] = field(default_factory=dict)  # table -> rows deleted
    restored: dict[str, int] = field(default_factory=dict)  # table -> rows put back as they were
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        batch = self.batch.as_dict()
        return {"batch": batch, "removed": self.removed, "restored": self.restored, "dry_run": self.dry_run}


# --- writing a batch (called by the import pipeline, inside the import's transaction) -----------------------


def _max_audit_id(session: Session) -> int:
    return int(session.connection().execute(select(func.max(AUDIT.c.id))).scalar() or 0)


def open_batch(session: Session, kind: str, file_name: str, now: datetime) -> int:
    """The id of a new batch row for the import starting `now` (the time its writes stamp on updated_at);
    rolled back with the import if it doesn't commit."""
    values = {
        "started_at": now,
        "kind": kind,
        "file_name": file_name[:500],
        "staff": str(session.info.get("staff") or ""),
        "counts": "{}",
        "first_audit_id": _max_audit_id(session) + 1,
        "undone_by": "",
    }
    result = session.connection().execute(insert(BATCH).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]  # typed Optional; a one-row INSERT has one


def close_batch(session: Session, batch_id: int, counts: dict[str, int]) -> None:
    session.connection().execute(
        update(BATCH)
        .where(BATCH.c.id == batch_id)
        .values(finished_at=clock.now(), counts=json.dumps(counts), last_audit_id=_max_audit_id(session))
    )


# --- reading ------------------------------------------------------------------------------------------------


def _row(r: Any) -> BatchRow:
    return BatchRow(
        r.id, r.started_at, r.finished_at, r.kind, r.file_name, r.staff, json.loads(r.counts or "{}"),
        r.undone_at, r.undone_by,
    )  # fmt: skip


def list_batches(session: Session, *, limit: int = 50) -> list[BatchRow]:
    """The newest imports first."""
    rows = session.connection().execute(select(BATCH).order_by(BATCH.c.id.desc()).limit(limit))
    return [_row(r) for r in rows]


def _restore_moved(conn: Any, batch_id: int) -> int:
    """Stage, version and updated_at back from import_prior, in one statement (portable: correlated
    subqueries rather than UPDATE ... FROM)."""
    prior, customer = table_of(ImportPrior), table_of(Customer)

    def was(name: str) -> Any:
        return (
            select(prior.c[name])
            .where(prior.c.batch_id == batch_id, prior.c.customer_id == customer.c.id)
            .scalar_subquery()
        )

    ids = select(prior.c.customer_id).where(prior.c.batch_id == batch_id)
    stmt = (
        update(customer)
        .where(customer.c.id.in_(ids))
        .values(stage=was("stage"), version=was("version"), updated_at=was("updated_at"))
    )
    count = int(conn.execute(stmt).rowcount or 0)
    conn.execute(delete(prior).where(prior.c.batch_id == batch_id))
    return count


def _restore(session: Session, effects: Effects) -> dict[str, int]:
    """One executemany per table and set of columns: a purchases import can have moved 100,000 customers."""
    conn, tables, restored = session.connection(), tables_by_name(), {}
    for name, rows in effects.before.items():
        t = tables[name]
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, values in sorted(rows.items()):
            decoded = {f"v_{f}": decode(t.c[f], v) for f, v in values.items()}
            groups.setdefault(tuple(sorted(values)), []).append({"row_id": row_id, **decoded})
        for columns, params in groups.items():
            values = {c: bindparam(f"v_{c}", type_=t.c[c].type) for c in columns}
            conn.execute(update(t).where(t.c.id == bindparam("row_id")).values(values), params)
        if rows:
            restored[name] = len(rows)
    return restored


def _remove(session: Session, effects: Effects) -> dict[str, int]:
    """Children before parents; staff last, and only those nobody's customers belong to any more."""
    conn, removed = session.connection(), {}
    staff = table_of(Staff)
    order = [t for t in reversed(SQLModel.metadata.sorted_tables) if t is not staff] + [staff]
    for t in order:
        ranges = effects.inserted.get(t.name)
        if not ranges:
            continue
        where = in_ranges(t.c.id, ranges)
        if t is staff:
            where = and_(where, t.c.login.not_in(select(table_of(Customer).c.owner).distinct()))
        count = conn.execute(delete(t).where(where)).rowcount
        if count:
            removed[t.name] = count
    return removed


def undo_batch(session: Session, batch_id: int, *, dry_run: bool = False) -> UndoResult:
    """Reverse one import: its new rows removed, its updated rows as they were. Raises ImportUndoRefused
    (nothing changed) when later work would be lost, NotFound for an unknown batch."""
    conn = session.connection()
    batch = conn.execute(select(BATCH).where(BATCH.c.id == batch_id).with_for_update()).first()
    if batch is None:
        raise NotFound("import batch", batch_id)
    row = _row(batch)
    if batch.undone_at is not None:
        by = f" by {batch.undone_by}" if batch.undone_by else ""
        raise DeskError(f"import {batch_id} was undone already, on {batch.undone_at:%Y-%m-%d %H:%M}{by}")
    effects = read_effects(session, batch)
    reasons = blockers(session, batch, effects)
    if reasons:
        raise ImportUndoRefused(batch_id, reasons[:SHOWN_BLOCKERS], len(reasons))
    result = UndoResult(row, dry_run=dry_run)
    savepoint = conn.begin_nested() if dry_run else None  # a dry run does it all, counts, and rolls back
    result.restored = _restore(session, effects)
    moved = _restore_moved(conn, batch_id)
    if moved:
        result.restored["customer"] = result.restored.get("customer", 0) + moved
    result.removed = _remove(session, effects)
    result.restored = {name: n for name, n in result.restored.items() if n}
    if savepoint is not None:
        savepoint.rollback()
        return result
    staff = str(session.info.get("staff") or "")
    conn.execute(update(BATCH).where(BATCH.c.id == batch_id).values(undone_at=clock.now(), undone_by=staff))
    audit.record(
        session,
        action=UNDO_ACTION,
        entity="import_batch",
        entity_id=batch_id,
        changes=ImportUndoEntry(batch.file_name, result.removed, result.restored).to_json(),
    )
    return result


def forget_in_imports(session: Session, rows: dict[str, list[int]]) -> int:
    """Erasure: the import entries' old and new values of these rows (table -> ids) become `{"erased": true}`.
    The entries stay (that an import changed something is not personal); an undo of such an import is
    refused anyway, since the erasure changed the rows since. Returns how many entries were rewritten."""
    wanted = {table: {str(i) for i in ids} for table, ids in rows.items() if ids}
    if not wanted:
        return 0
    conn, rewritten = session.connection(), 0
    stmt = select(AUDIT.c.id, AUDIT.c.changes).where(
        AUDIT.c.action == IMPORT_ACTION, AUDIT.c.changes.like('%"updated"%')
    )
    for entry_id, changes in list(conn.execute(stmt)):
        erased = ImportEntry.from_json(json.loads(changes or "{}")).erased(wanted)
        if erased is not None:
            conn.execute(update(AUDIT).where(AUDIT.c.id == entry_id).values(changes=audit.dump(erased.to_json())))
            rewritten += 1
    return rewritten
