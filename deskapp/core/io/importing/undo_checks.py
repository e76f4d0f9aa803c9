"""Reading an import batch back for its undo: what it did (`Effects`, from its audit entries) and every
reason an undo would lose later work (`blockers`, one function per phase: rows erased since, imported rows
gone, rows added since that hang off imported ones, stages moved since, rows edited since, values
overwritten behind the audit trail's back).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, func, not_, or_, select
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from deskapp.core.db import audit
from deskapp.core.io.importing.payload import IMPORT_ACTION, ImportEntry
from deskapp.core.records import AuditEntry, Customer, ImportBatch, ImportPrior, table_of

BATCH: Table = table_of(ImportBatch)
AUDIT: Table = table_of(AuditEntry)
SHOWN_BLOCKERS = 10
CHUNK = 500  # ids per IN list


@dataclass
class Effects:
    """What one batch did, gathered from its audit entries."""

    inserted: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # table -> id ranges
    # table -> id -> (field -> value before the import), the first entry that touched it winning
    before: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    after: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)  # the import's last word
    erased: set[tuple[str, int]] = field(default_factory=set)  # rows whose values an erasure removed

    def was_inserted(self, table: str, row_id: int) -> bool:
        return any(a <= row_id <= b for a, b in self.inserted.get(table, ()))

    def inserted_count(self, table: str) -> int:
        return sum(b - a + 1 for a, b in self.inserted.get(table, ()))

    def touched(self) -> Iterator[tuple[str, int]]:
        for table, rows in self.before.items():
            for row_id in rows:
                yield table, row_id


def _batch_entries(session: Session, batch: Any) -> Iterator[ImportEntry]:
    if batch.first_audit_id is None or batch.last_audit_id is None:
        return
    stmt = (
        select(AUDIT.c.changes)
        .where(AUDIT.c.action == IMPORT_ACTION, AUDIT.c.id.between(batch.first_audit_id, batch.last_audit_id))
        .order_by(AUDIT.c.id)
    )
    for (changes,) in session.connection().execute(stmt):
        entry = ImportEntry.from_json(json.loads(changes or "{}"))
        if entry.import_batch == batch.id:
            yield entry


def read_effects(session: Session, batch: Any) -> Effects:
    found = Effects()
    for entry in _batch_entries(session, batch):
        for table, ranges in entry.inserted.items():
            found.inserted.setdefault(table, []).extend((a, b) for a, b in ranges)
        priors = entry.prior
        for table, rows in entry.updated.items():
            for key, changes in rows.items():
                row_id = int(key)
                if changes == audit.ERASED:
                    found.erased.add((table, row_id))
                    continue
                old = found.before.setdefault(table, {}).setdefault(row_id, {})
                was = {**priors.get(table, {}).get(key, {}), **{f: v[0] for f, v in changes.items()}}
                for name, value in was.items():
                    old.setdefault(name, value)
                after = found.after.setdefault(table, {}).setdefault(row_id, {})
                after.update({f: v[1] for f, v in changes.items()})
                prior = priors.get(table, {}).get(key, {})
                if "version" in prior:  # the import bumped it by one: any other version is a later save
                    after["version"] = prior["version"] + 1
    # Rows the import added and then changed are simply removed: nothing of theirs is restored.
    for table in list(found.before):
        for row_id in [r for r in found.before[table] if found.was_inserted(table, r)]:
            del found.before[table][row_id]
            found.after[table].pop(row_id, None)
    return found


def tables_by_name() -> dict[str, Table]:
    return {t.name: t for t in SQLModel.metadata.sorted_tables}


def in_ranges(column: Any, ranges: Iterable[tuple[int, int]]) -> Any:
    return or_(*(column.between(a, b) for a, b in ranges))


def _describe(session: Session, table: str, row_id: int) -> str:
    if table == "customer":
        name = session.connection().execute(select(table_of(Customer).c.name).where(table_of(Customer).c.id == row_id))
        found = name.scalar()
        return f"customer {row_id}" + (f" ({found})" if found else "")
    return f"{table.replace('_', ' ')} {row_id}"


@dataclass(frozen=True)
class _UndoCheck:
    """What each phase of the undo check reads: the batch, what it did, and the tables by name."""

    session: Session
    batch: Any
    effects: Effects
    tables: dict[str, Table]

    @property
    def conn(self) -> Any:
        return self.session.connection()

    def describe(self, table: str, row_id: int) -> str:
        return _describe(self.session, table, row_id)


def _erased_since(check: _UndoCheck) -> list[str]:
    """Rows the import touched whose values an erasure removed."""
    return [f"{check.describe(name, row_id)} was erased since" for name, row_id in sorted(check.effects.erased)]


def _imported_rows_gone(check: _UndoCheck) -> list[str]:
    """Imported rows that are gone already (deleted, merged away, erased)."""
    found = []
    for name, ranges in check.effects.inserted.items():
        t = check.tables[name]
        count = select(func.count()).select_from(t).where(in_ranges(t.c.id, ranges))
        missing = check.effects.inserted_count(name) - (check.conn.execute(count).scalar() or 0)
        if missing:
            found.append(f"{missing} of the {name.replace('_', ' ')} rows it added are gone")
    return found


def _rows_added_since(check: _UndoCheck) -> list[str]:
    """Rows added since that point at rows the import added: they would be orphaned or deleted with them."""
    found, inserted = [], check.effects.inserted
    for t in check.tables.values():
        for fk in t.foreign_keys:
            target = fk.column.table.name
            if target not in inserted or t.name == "import_batch":
                continue
            own_rows = inserted.get(t.name, [])
            stmt = select(t.c.id, fk.parent).where(in_ranges(fk.parent, inserted[target]))
            if own_rows:
                stmt = stmt.where(not_(in_ranges(t.c.id, own_rows)))
            for row_id, parent in check.conn.execute(stmt.order_by(t.c.id).limit(SHOWN_BLOCKERS)):
                what = t.name.replace("_", " ")
                found.append(f"{what} {row_id} was added since, for {check.describe(target, parent)}")
    return found


def _stages_moved_since(check: _UndoCheck) -> list[str]:
    """Customers whose stage the import moved: it stamped their updated_at with its own start; another stamp
    means someone saved them since. (In SQL: there can be hundreds of thousands.)"""
    moved = _moved_since(check.conn, check.batch)
    shown = [f"{check.describe('customer', cid)} was changed since" for cid in moved[:SHOWN_BLOCKERS]]
    return shown + [f"customer {cid} was changed since" for cid in moved[SHOWN_BLOCKERS:]]  # counted, not shown


def _edited_since(check: _UndoCheck) -> tuple[list[str], set[tuple[str, int]]]:
    """Rows the import touched that were edited since (by anyone: a person, a merge, another import that was
    not itself undone), found in the audit trail; also returns the rows so found."""
    effects, conn = check.effects, check.conn
    updated = set(effects.touched())

    def ours(name: str, row_id: int) -> bool:
        return (name, row_id) in updated or effects.was_inserted(name, row_id)

    undone = {i for (i,) in conn.execute(select(BATCH.c.id).where(BATCH.c.undone_at.is_not(None)))}
    later = conn.execute(
        select(AUDIT.c.at, AUDIT.c.staff, AUDIT.c.action, AUDIT.c.entity, AUDIT.c.entity_id, AUDIT.c.changes)
        .where(AUDIT.c.id > (check.batch.last_audit_id or 0))
        .order_by(AUDIT.c.id)
    )
    found: list[str] = []
    seen: set[tuple[str, int]] = set()
    for entry in later:
        hits: list[tuple[str, int]] = []
        if entry.entity_id is not None and ours(entry.entity, entry.entity_id):
            hits.append((entry.entity, entry.entity_id))
        if entry.action == IMPORT_ACTION:
            other = ImportEntry.from_json(json.loads(entry.changes or "{}"))
            if other.import_batch in undone:
                continue
            hits += [(name, row_id) for name, row_id in other.updated_rows() if ours(name, row_id)]
        for name, row_id in hits:
            if (name, row_id) in seen:
                continue
            seen.add((name, row_id))
            who = f" by {entry.staff}" if entry.staff else ""
            when = f"{entry.at:%Y-%m-%d %H:%M}"
            found.append(f"{check.describe(name, row_id)} was changed since ({entry.action}{who}, {when})")
    return found, seen


def _values_overwritten(check: _UndoCheck, seen: set[tuple[str, int]]) -> list[str]:
    """A value the import wrote that is no longer there (a write the audit trail didn't see)."""
    found = []
    for name, rows in check.effects.after.items():
        t = check.tables[name]
        ids = [row_id for row_id in rows if (name, row_id) not in seen]
        current = {}
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            current.update({r.id: r for r in check.conn.execute(select(t).where(t.c.id.in_(chunk)))})
        for row_id in ids:
            now = current.get(row_id)
            if now is None:
                found.append(f"{check.describe(name, row_id)} is gone")
                continue
            changed = [f for f, v in rows[row_id].items() if audit.json_value(now._mapping[f]) != v]
            if changed:
                fields = sorted(f for f in changed if f != "version")
                what = f"was changed since ({', '.join(fields)})" if fields else "was saved since"
                found.append(f"{check.describe(name, row_id)} {what}")
    return found


def blockers(session: Session, batch: Any, effects: Effects) -> list[str]:
    """Every reason the undo would lose later work, phase by phase, in the order they are reported."""
    check = _UndoCheck(session, batch, effects, tables_by_name())
    edited, seen = _edited_since(check)
    return [
        *_erased_since(check),
        *_imported_rows_gone(check),
        *_rows_added_since(check),
        *_stages_moved_since(check),
        *edited,
        *_values_overwritten(check, seen),
    ]


def _moved_since(conn: Any, batch: Any) -> list[int]:
    """Customers in import_prior for the batch (and not added by it) that are gone or were saved since."""
    prior, customer = table_of(ImportPrior), table_of(Customer)
    stmt = (
        select(prior.c.customer_id)
        .select_from(prior.outerjoin(customer, customer.c.id == prior.c.customer_id))
        .where(
            prior.c.batch_id == batch.id,
            or_(
                customer.c.id.is_(None),
                customer.c.version != prior.c.version_after,
                customer.c.updated_at != select(BATCH.c.started_at).where(BATCH.c.id == batch.id).scalar_subquery(),
            ),
        )
        .order_by(prior.c.customer_id)
    )
    return [cid for (cid,) in conn.execute(stmt)]


__all__ = [
    "AUDIT",
    "BATCH",
    "CHUNK",
    "SHOWN_BLOCKERS",
    "Effects",
    "blockers",
    "in_ranges",
    "read_effects",
    "tables_by_name",
]
