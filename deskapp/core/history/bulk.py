"""Bulk edits: one change (add or remove a tag, set the owner, change the stage, archive or unarchive) applied
to many customers in one transaction, and undone as one step.

Each customer that changes gets what a single edit would give it: the new value, version + 1 and a fresh
updated_at, a `StageChange` row (with its reason, and the churn category when churned) or an `OwnerChange`
row, and a new owner becomes known staff. Customers already in the target state are left alone and counted.
What each action does lives in its strategy (bulk_actions.py); this module applies any of them.

The work is set-wise (a few statements per thousand customers, not one ORM round-trip each), so the session's
audit hook does not see it; instead the edit writes ONE audit entry, action "bulk" (a `BulkPayload`), holding
for every customer it changed the old value, the old updated_at and the version the edit left, plus the ids
of the stage change, owner change and staff rows it created. `undo_bulk` reads that entry back and restores
all of it exactly -- unless a customer was saved since (its version moved on) or is gone, which it refuses,
naming them, because undoing would silently throw that later work away. An undo writes an "unbulk" entry,
so it happens once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlmodel import Session

from deskapp.core.db import audit, json_value
from deskapp.core.history.bulk_actions import (
    BulkAction,
    BulkChange,
    Changed,
    clean_change,
    count_text,
)
from deskapp.core.history.bulk_payload import BulkCreated, BulkedCustomer, BulkPayload, UnbulkPayload
from deskapp.core.records import (
    AuditEntry,
    Complaint,
    Customer,
    DeskError,
    FollowUp,
    Interaction,
    InvalidTransition,
    NotFound,
    OwnerChange,
    Referral,
    Staff,
    Stage,
    StageChange,
    clock,
    table_of,
    utcnow,
)

BULK_ACTION = "bulk"
UNDO_ACTION = "unbulk"
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit, few round-trips on PostgreSQL


@dataclass(frozen=True)
class BulkResult:
    bulk_id: int | None  # the audit entry `undo_bulk` takes; None when nothing changed
    change: BulkChange
    changed: int
    unchanged: int  # already in the target state
    missing: tuple[int, ...]  # ids asked for that are not (or no longer) customers
    stage_changes: int
    owner_changes: int

    def summary(self) -> str:
        text = self.change.done(self.changed)
        if self.unchanged:
            text += f" ({self.unchanged:,} already {'were' if self.unchanged > 1 else 'was'})"
        if self.missing:
            text += f"; {count_text(len(self.missing))} no longer exist"
        return text


@dataclass(frozen=True)
class UndoBulkResult:
    bulk_id: int
    restored: int
    stage_changes_removed: int
    owner_changes_removed: int
    staff_removed: int

    def summary(self) -> str:
        return f"Undid the bulk edit: {count_text(self.restored)} back as they were"


@dataclass(frozen=True)
class Blocker:
    customer_id: int
    name: str | None  # None: the customer is gone (merged away or erased)

    def __str__(self) -> str:
        if self.name is None:
            return f"customer {self.customer_id} (no longer exists)"
        return f"{self.name} ({self.customer_id})"


class BulkUndoRefused(DeskError):
    """Undoing would throw away later work: these customers were saved (or removed) after the bulk edit."""

    SHOWN = 10

    def __init__(self, bulk_id: int, blockers: Sequence[Blocker]) -> None:
        self.bulk_id, self.blockers = bulk_id, tuple(blockers)
        named = ", ".join(str(b) for b in self.blockers[: self.SHOWN])
        more = len(self.blockers) - self.SHOWN
        if more > 0:
            named += f" and {more:,} more"
        super().__init__(
            f"bulk edit {bulk_id} can't be undone: {named} "
            f"{'was' if len(self.blockers) == 1 else 'were'} changed after it; undoing would lose that"
        )


# --- the edit --------------------------------------------------------------------------------------------


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _read(session: Session, ids: Sequence[int], columns: Iterable[str], *, lock: bool) -> dict[int, Any]:
    """Current rows by id, chunked; locked against concurrent writers on PostgreSQL (SQLite's write
    transaction already holds the database)."""
    t = table_of(Customer)
    cols = [t.c.id, *(t.c[c] for c in columns)]
    conn = session.connection()
    rows: dict[int, Any] = {}
    for chunk in _chunks(ids):
        stmt = select(*cols).where(t.c.id.in_(chunk))
        if lock:
            stmt = stmt.with_for_update()
        rows.update((r.id, r) for r in conn.execute(stmt))
    return rows


def _write_entry(session: Session, *, action: str, entity: str, entity_id: int | None, changes: Any) -> int:
    """An audit entry (as `audit.record` writes it), returning its id: the handle of the bulk edit."""
    result = session.connection().execute(
        insert(table_of(AuditEntry)),
        {
            "at": utcnow(),  # like every audit entry: when it was written
            "staff": str(session.info.get("staff") or ""),
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "changes": audit.dump(changes),
        },
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _expire(session: Session, models: tuple[type, ...]) -> None:
    """ORM objects the session already holds would show the old values: reload them on next access."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, models):
            session.expire(obj)


def _set_values(session: Session, change: BulkChange, params: list[dict[str, Any]], now: datetime) -> None:
    """Write the new values: one bound value per row when each differs (tags), else one statement per chunk
    of ids (the rows are locked, so their versions hold)."""
    t, column, conn = table_of(Customer), change.field, session.connection()
    if change.strategy.per_row:
        stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
            .values({column: bindparam("b_value"), "version": t.c.version + 1, "updated_at": now})
        )
        conn.execute(stmt, params)
        return
    value = change.strategy.new_value(change, None)
    for chunk in _chunks([p["b_id"] for p in params]):
        conn.execute(
            update(t).where(t.c.id.in_(chunk)).values({column: value, "version": t.c.version + 1, "updated_at": now})
        )


def bulk_edit(session: Session, customer_ids: Iterable[int], change: BulkChange) -> BulkResult:
    """Apply `change` to the customers, in the caller's transaction; returns counts and the bulk id."""
    session.flush()  # pending ORM writes first: the statements below read the tables directly
    ids = sorted(set(customer_ids))
    column, strategy = change.field, change.strategy
    rows = _read(session, ids, (column, "version", "updated_at"), lock=True)
    missing = tuple(i for i in ids if i not in rows)
    now = clock.now()
    before: list[BulkedCustomer] = []
    params: list[dict[str, Any]] = []
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            continue
        old = getattr(row, column)
        new = strategy.new_value(change, old)
        if new == old:
            continue
        before.append(BulkedCustomer(cid, json_value(old), row.updated_at.isoformat(), row.version + 1))
        params.append({"b_id": cid, "b_value": new, "b_version": row.version})
    if not params:
        return BulkResult(None, change, 0, len(ids) - len(missing), missing, 0, 0)
    _set_values(session, change, params, now)
    staff = str(session.info.get("staff") or "")
    made = strategy.record(session, change, [Changed(b.id, b.before) for b in before], now, staff)
    created = BulkCreated(**{name: tuple(ids) for name, ids in made.items()})
    unchanged = len(ids) - len(missing) - len(before)
    payload = BulkPayload(change, column, tuple(before), unchanged, missing, created)
    bulk_id = _write_entry(session, action=BULK_ACTION, entity="customer", entity_id=None, changes=payload.to_json())
    _expire(session, (Customer, Staff))
    return BulkResult(
        bulk_id, change, len(before), unchanged, missing, len(created.stage_change), len(created.owner_change)
    )


# --- undo ------------------------------------------------------------------------------------------------


def _load(session: Session, bulk_id: int) -> BulkPayload:
    t = table_of(AuditEntry)
    row = session.connection().execute(select(t.c.action, t.c.changes).where(t.c.id == bulk_id)).first()
    if row is None or row.action != BULK_ACTION:
        raise NotFound("bulk edit", bulk_id)
    return BulkPayload.from_json(json.loads(row.changes))


def _undone_at(session: Session, bulk_id: int) -> datetime | None:
    t = table_of(AuditEntry)
    stmt = select(t.c.at).where(t.c.entity == "audit_entry", t.c.entity_id == bulk_id, t.c.action == UNDO_ACTION)
    at: datetime | None = session.connection().execute(stmt).scalar()
    return at


def _restore_value(column: str, stored: Any) -> Any:
    if column == "stage":
        return Stage(stored)
    return stored


def _still_named(session: Session, login: str) -> bool:
    """Whether any record still names this login (then the staff row the bulk edit created stays)."""
    checks = [
        (Customer, "owner"),
        (OwnerChange, "from_owner"),
        (OwnerChange, "to_owner"),
        (Complaint, "owner"),
        (FollowUp, "assignee"),
        (Interaction, "staff"),
        (StageChange, "staff"),
        (Referral, "staff"),
    ]
    conn = session.connection()
    for model, column in checks:
        c = table_of(model).c[column]
        if conn.execute(select(exists().where(c == login))).scalar():
            return True
    return False


def _refuse_lost_work(session: Session, bulk_id: int, entries: Sequence[BulkedCustomer]) -> None:
    current = _read(session, [e.id for e in entries], ("name", "version"), lock=True)
    blockers = []
    for e in entries:
        row = current.get(e.id)
        if row is None:
            blockers.append(Blocker(e.id, None))
        elif row.version != e.version or e.erased:
            blockers.append(Blocker(e.id, row.name))
    if blockers:
        raise BulkUndoRefused(bulk_id, blockers)


def _remove_created(session: Session, created: BulkCreated) -> dict[str, int]:
    """The history rows the edit created; a staff row only if nobody is named by it any more."""
    conn = session.connection()
    removed: dict[str, int] = {}
    for name, model, ids in (
        ("stage_change", StageChange, created.stage_change),
        ("owner_change", OwnerChange, created.owner_change),
    ):
        table = table_of(model)
        removed[name] = 0
        for chunk in _chunks(ids):
            removed[name] += conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount or 0
    removed["staff"] = 0
    st = table_of(Staff)
    for staff_id in created.staff:
        login = conn.execute(select(st.c.login).where(st.c.id == staff_id)).scalar()
        if login is not None and not _still_named(session, login):
            removed["staff"] += conn.execute(delete(st).where(st.c.id == staff_id)).rowcount or 0
    return removed


def undo_bulk(session: Session, bulk_id: int) -> UndoBulkResult:
    """Put every customer of bulk edit `bulk_id` back as it was (value, version, updated_at) and remove the
    stage change, owner change and staff rows it created, in the caller's transaction.

    Refuses with `BulkUndoRefused`, naming them, when any of its customers was saved after it (its version
    is not the one the edit left) or no longer exists; with `InvalidTransition` when it was already undone.
    """
    session.flush()
    payload = _load(session, bulk_id)
    undone = _undone_at(session, bulk_id)
    if undone is not None:
        raise InvalidTransition(f"bulk edit {bulk_id} was already undone ({undone:%Y-%m-%d %H:%M} UTC)")
    column, entries = payload.field, payload.customers
    _refuse_lost_work(session, bulk_id, entries)
    t = table_of(Customer)
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
        .values({column: bindparam("b_value"), "version": bindparam("b_old_version"), "updated_at": bindparam("b_at")})
    )
    session.connection().execute(
        stmt,
        [
            {
                "b_id": e.id,
                "b_version": e.version,
                "b_value": _restore_value(column, e.before),
                "b_old_version": e.version - 1,
                "b_at": datetime.fromisoformat(e.updated_at),
            }
            for e in entries
        ],
    )
    removed = _remove_created(session, payload.created)
    undo = UnbulkPayload(bulk_id, len(entries), removed)
    _write_entry(session, action=UNDO_ACTION, entity="audit_entry", entity_id=bulk_id, changes=undo.to_json())
    _expire(session, (Customer, StageChange, OwnerChange, Staff))
    return UndoBulkResult(bulk_id, len(entries), removed["stage_change"], removed["owner_change"], removed["staff"])


def bulk_undone(session: Session, bulk_id: int) -> bool:
    """Whether bulk edit `bulk_id` has been undone."""
    return _undone_at(session, bulk_id) is not None


@dataclass(frozen=True)
class BulkEditRow:
    """One past bulk edit, for a list to pick an undo from."""

    id: int
    at: datetime
    staff: str
    description: str  # "Tagged 12 customers vip"
    customers: int
    undone: bool


def list_bulk_edits(session: Session, *, limit: int = 20) -> list[BulkEditRow]:
    """The latest bulk edits, newest first, with what each did and whether it was undone."""
    t = table_of(AuditEntry)
    conn = session.connection()
    rows = conn.execute(
        select(t.c.id, t.c.at, t.c.staff, t.c.changes)
        .where(t.c.action == BULK_ACTION)
        .order_by(t.c.id.desc())
        .limit(limit)
    ).all()
    ids = [r.id for r in rows]
    undone = set()
    if ids:
        undone = {
            r[0]
            for r in conn.execute(
                select(t.c.entity_id).where(
                    t.c.action == UNDO_ACTION, t.c.entity == "audit_entry", t.c.entity_id.in_(ids)
                )
            )
        }
    out = []
    for r in rows:
        payload = BulkPayload.from_json(json.loads(r.changes))
        count = len(payload.customers)
        out.append(BulkEditRow(r.id, r.at, r.staff, payload.change.done(count), count, r.id in undone))
    return out


def forget_in_bulk_edits(session: Session, customer_id: int) -> int:
    """Erasure: a person's old values in bulk-edit entries become `{"erased": true}` (that they were in a bulk
    edit is not personal, their old tags may be). An undo of such an edit is refused anyway: erasing them
    saved the customer since. Returns how many entries were rewritten."""
    t = table_of(AuditEntry)
    conn, rewritten = session.connection(), 0
    stmt = select(t.c.id, t.c.changes).where(
        t.c.action == BULK_ACTION, t.c.changes.like(f'%"id": {int(customer_id)},%')
    )
    for entry_id, changes in list(conn.execute(stmt)):
        erased = BulkPayload.from_json(json.loads(changes)).without_person(customer_id)
        if erased is not None:
            conn.execute(update(t).where(t.c.id == entry_id).values(changes=audit.dump(erased.to_json())))
            rewritten += 1
    return rewritten


__all__ = [
    "BulkAction",
    "BulkChange",
    "BulkEditRow",
    "BulkResult",
    "BulkUndoRefused",
    "UndoBulkResult",
    "bulk_edit",
    "bulk_undone",
    "clean_change",
    "forget_in_bulk_edits",
    "list_bulk_edits",
    "undo_bulk",
]
