"""Bulk edits: one change (add or remove a tag, set the owner, change the stage, archive or unarchive) applied
to many customers in one transaction, and undone as one step.

Each customer that changes gets what a single edit would give it: the new value, version + 1 and a fresh
updated_at, a `StageChange` row (with its reason, and the churn category when churned) or an `OwnerChange`
row, and a new owner becomes known staff. Customers already in the target state are left alone and counted.

The work is set-wise (a few statements per thousand customers, not one ORM round-trip each), so the session's
audit hook does not see it; instead the edit writes ONE audit entry, action "bulk", holding for every customer
it changed the old value, the old updated_at and the version the edit left, plus the ids of the stage change,
owner change and staff rows it created. `undo_bulk` reads that entry back and restores all of it exactly --
unless a customer was saved since (its version moved on) or is gone, which it refuses, naming them, because
undoing would silently throw that later work away. An undo writes an "unbulk" entry, so it happens once.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update
from sqlmodel import Session

from deskapp.core.db import audit
from deskapp.core.db.audit import json_value
from deskapp.core.records import clock
from deskapp.core.records.errors import DeskError, InvalidTransition, NotFound, ValidationFailed
from deskapp.core.records.tables import (
    AuditEntry,
    ChurnReason,
    Complaint,
    Customer,
    FollowUp,
    Interaction,
    OwnerChange,
    Referral,
    Staff,
    Stage,
    StageChange,
    table_of,
)
from deskapp.core.records.types import utcnow
from deskapp.core.records.validation import clean_enum, clean_text, normalise_tags, tag_list

BULK_ACTION = "bulk"
UNDO_ACTION = "unbulk"
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit, few round-trips on PostgreSQL
DEFAULT_REASON = "bulk edit"


class BulkAction(enum.StrEnum):
    TAG = "tag"
    UNTAG = "untag"
    OWNER = "owner"
    STAGE = "stage"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


# The customer column each action changes.
FIELD = {
    BulkAction.TAG: "tags",
    BulkAction.UNTAG: "tags",
    BulkAction.OWNER: "owner",
    BulkAction.STAGE: "stage",
    BulkAction.ARCHIVE: "archived",
    BulkAction.UNARCHIVE: "archived",
}


def _count(n: int) -> str:
    return f"{n:,} customer" if n == 1 else f"{n:,} customers"


@dataclass(frozen=True)
class BulkChange:
    """One validated change; build it with `clean_change` (which is what refuses bad input)."""

    action: BulkAction
    tags: tuple[str, ...] = ()  # tag / untag
    owner: str = ""  # owner
    stage: Stage | None = None  # stage
    reason: str = DEFAULT_REASON  # stage: why, as every stage change records
    churn_reason: ChurnReason | None = None  # stage churned: the category the churn report counts

    @property
    def field(self) -> str:
        return FIELD[self.action]

    def question(self, count: int) -> str:
        """The one confirmation asked before the edit, e.g. "Change the stage of 12 customers to retention?"."""
        who = _count(count)
        tags = ", ".join(self.tags)
        tag_word = "tag" if len(self.tags) == 1 else "tags"
        if self.action == BulkAction.TAG:
            return f"Add the {tag_word} {tags} to {who}?"
        if self.action == BulkAction.UNTAG:
            return f"Remove the {tag_word} {tags} from {who}?"
        if self.action == BulkAction.OWNER:
            return f"Make {self.owner} the owner of {who}?"
        if self.action == BulkAction.STAGE:
            assert self.stage is not None
            churn = f" ({self.churn_reason.value.replace('_', ' ')})" if self.churn_reason else ""
            return f"Change the stage of {who} to {self.stage.value}{churn}?"
        return f"{'Archive' if self.action == BulkAction.ARCHIVE else 'Unarchive'} {who}?"

    def done(self, count: int) -> str:
        """What happened, for a notification: "Tagged 12 customers vip"."""
        who = _count(count)
        tags = ", ".join(self.tags)
        if self.action == BulkAction.TAG:
            return f"Tagged {who} {tags}"
        if self.action == BulkAction.UNTAG:
            return f"Removed {tags} from {who}"
        if self.action == BulkAction.OWNER:
            return f"{self.owner} now owns {who}"
        if self.action == BulkAction.STAGE:
            assert self.stage is not None
            return f"Moved {who} to {self.stage.value}"
        return f"{'Archived' if self.action == BulkAction.ARCHIVE else 'Unarchived'} {who}"

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "tags": list(self.tags),
            "owner": self.owner,
            "stage": json_value(self.stage),
            "reason": self.reason,
            "churn_reason": json_value(self.churn_reason),
        }


def clean_change(
    action: BulkAction | str,
    value: Any = None,
    *,
    reason: str | None = None,
    churn_reason: ChurnReason | str | None = None,
) -> BulkChange:
    """Validate a bulk change without touching the database (a form checks it before asking to confirm).

    `value` is the tag(s) (comma separated) for tag/untag, the owner's login, or the stage; archive and
    unarchive take none. Churned needs `churn_reason`; the stage reason defaults to "bulk edit".
    """
    kind = clean_enum(BulkAction, "action", action)
    if kind in (BulkAction.TAG, BulkAction.UNTAG):
        tags = tuple(tag_list(normalise_tags(value)))
        if not tags:
            raise ValidationFailed.one("value", value, "name the tag")
        if any(len(t) > 100 for t in tags):
            raise ValidationFailed.one("value", value, "a tag is longer than 100 characters")
        return BulkChange(kind, tags=tags)
    if kind == BulkAction.OWNER:
        return BulkChange(kind, owner=clean_text("value", value, required=True, max_length=64))
    if kind == BulkAction.STAGE:
        stage = clean_enum(Stage, "value", value)
        why = clean_text("reason", reason, max_length=2000) or DEFAULT_REASON
        category = None
        if stage == Stage.CHURNED:
            if churn_reason is None or str(churn_reason).strip() == "":
                raise ValidationFailed.one("churn_reason", churn_reason, "is required when customers are churned")
            category = clean_enum(ChurnReason, "churn_reason", churn_reason)
        return BulkChange(kind, stage=stage, reason=why, churn_reason=category)
    return BulkChange(kind)


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
            text += f"; {_count(len(self.missing))} no longer exist"
        return text


@dataclass(frozen=True)
class UndoBulkResult:
    bulk_id: int
    restored: int
    stage_changes_removed: int
    owner_changes_removed: int
    staff_removed: int

    def summary(self) -> str:
        return f"Undid the bulk edit: {_count(self.restored)} back as they were"


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


def _new_value(change: BulkChange, current: Any) -> Any:
    """The column's value after the change (equal to `current` when the customer is already there)."""
    # Tags: only the named tokens are added or removed; the others stay exactly as stored.
    if change.action == BulkAction.TAG:
        tags = tag_list(current)
        added = [t for t in change.tags if t not in tags]
        return f",{','.join(tags + added)}," if added else current
    if change.action == BulkAction.UNTAG:
        tags = tag_list(current)
        kept = [t for t in tags if t not in change.tags]
        if len(kept) == len(tags):
            return current
        return f",{','.join(kept)}," if kept else ""
    if change.action == BulkAction.OWNER:
        return change.owner
    if change.action == BulkAction.STAGE:
        return change.stage
    return change.action == BulkAction.ARCHIVE


def _insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id)  # the ids only, in any order (ordered would go row by row)
    return [r[0] for r in session.connection().execute(stmt, rows)]


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


def bulk_edit(session: Session, customer_ids: Iterable[int], change: BulkChange) -> BulkResult:
    """Apply `change` to the customers, in the caller's transaction; returns counts and the bulk id."""
    session.flush()  # pending ORM writes first: the statements below read the tables directly
    ids = sorted(set(customer_ids))
    column = change.field
    rows = _read(session, ids, (column, "version", "updated_at"), lock=True)
    missing = tuple(i for i in ids if i not in rows)
    now = clock.now()
    staff = str(session.info.get("staff") or "")
    before: list[dict[str, Any]] = []
    params: list[dict[str, Any]] = []
    for cid in ids:
        row = rows.get(cid)
        if row is None:
            continue
        old = getattr(row, column)
        new = _new_value(change, old)
        if new == old:
            continue
        before.append(
            {"id": cid, "before": json_value(old), "updated_at": row.updated_at.isoformat(), "version": row.version + 1}
        )
        params.append({"b_id": cid, "b_value": new, "b_version": row.version})
    if not params:
        return BulkResult(None, change, 0, len(ids) - len(missing), missing, 0, 0)

    t = table_of(Customer)
    conn = session.connection()
    if change.action in (BulkAction.TAG, BulkAction.UNTAG):  # each customer's tags become something else
        stmt = (
            update(t)
            .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
            .values({column: bindparam("b_value"), "version": t.c.version + 1, "updated_at": now})
        )
        conn.execute(stmt, params)
    else:  # one value for all: one statement per chunk of ids (the rows are locked, so versions hold)
        value = _new_value(change, None)
        for chunk in _chunks([p["b_id"] for p in params]):
            conn.execute(
                update(t)
                .where(t.c.id.in_(chunk))
                .values({column: value, "version": t.c.version + 1, "updated_at": now})
            )

    created: dict[str, list[int]] = {"stage_change": [], "owner_change": [], "staff": []}
    if change.action == BulkAction.STAGE:
        created["stage_change"] = _insert_returning_ids(
            session,
            table_of(StageChange),
            [
                {
                    "customer_id": b["id"],
                    "from_stage": Stage(b["before"]),
                    "to_stage": change.stage,
                    "at": now,
                    "reason": change.reason,
                    "churn_reason": change.churn_reason,
                    "staff": staff,
                    "automatic": False,
                }
                for b in before
            ],
        )
    elif change.action == BulkAction.OWNER:
        created["owner_change"] = _insert_returning_ids(
            session,
            table_of(OwnerChange),
            [
                {"customer_id": b["id"], "from_owner": b["before"], "to_owner": change.owner, "at": now, "staff": staff}
                for b in before
            ],
        )
        known = conn.execute(select(table_of(Staff).c.id).where(table_of(Staff).c.login == change.owner)).first()
        if known is None:
            created["staff"] = _insert_returning_ids(
                session, table_of(Staff), [{"login": change.owner, "display_name": change.owner, "created_at": now}]
            )
    unchanged = len(ids) - len(missing) - len(before)
    bulk_id = _write_entry(
        session,
        action=BULK_ACTION,
        entity="customer",
        entity_id=None,
        changes={
            "change": change.as_json(),
            "field": column,
            "customers": before,
            "unchanged": unchanged,
            "missing": list(missing),
            "created": created,
        },
    )
    _expire(session, (Customer, Staff))
    return BulkResult(
        bulk_id,
        change,
        len(before),
        unchanged,
        missing,
        len(created["stage_change"]),
        len(created["owner_change"]),
    )


# --- undo ------------------------------------------------------------------------------------------------


def _load(session: Session, bulk_id: int) -> dict[str, Any]:
    t = table_of(AuditEntry)
    row = session.connection().execute(select(t.c.action, t.c.changes).where(t.c.id == bulk_id)).first()
    if row is None or row.action != BULK_ACTION:
        raise NotFound("bulk edit", bulk_id)
    data: dict[str, Any] = json.loads(row.changes)
    return data


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


def undo_bulk(session: Session, bulk_id: int) -> UndoBulkResult:
    """Put every customer of bulk edit `bulk_id` back as it was (value, version, updated_at) and remove the
    stage change, owner change and staff rows it created, in the caller's transaction.

    Refuses with `BulkUndoRefused`, naming them, when any of its customers was saved after it (its version
    is not the one the edit left) or no longer exists; with `InvalidTransition` when it was already undone.
    """
    session.flush()
    data = _load(session, bulk_id)
    undone = _undone_at(session, bulk_id)
    if undone is not None:
        raise InvalidTransition(f"bulk edit {bulk_id} was already undone ({undone:%Y-%m-%d %H:%M} UTC)")
    column: str = data["field"]
    entries: list[dict[str, Any]] = data["customers"]
    current = _read(session, [e["id"] for e in entries], ("name", "version"), lock=True)
    blockers = []
    for e in entries:
        row = current.get(e["id"])
        if row is None:
            blockers.append(Blocker(e["id"], None))
        elif row.version != e["version"] or e["before"] == audit.ERASED:
            blockers.append(Blocker(e["id"], row.name))
    if blockers:
        raise BulkUndoRefused(bulk_id, blockers)

    t = table_of(Customer)
    conn = session.connection()
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"), t.c.version == bindparam("b_version"))
        .values({column: bindparam("b_value"), "version": bindparam("b_old_version"), "updated_at": bindparam("b_at")})
    )
    conn.execute(
        stmt,
        [
            {
                "b_id": e["id"],
                "b_version": e["version"],
                "b_value": _restore_value(column, e["before"]),
                "b_old_version": e["version"] - 1,
                "b_at": datetime.fromisoformat(e["updated_at"]),
            }
            for e in entries
        ],
    )
    created: dict[str, list[int]] = data.get("created", {})
    removed: dict[str, int] = {}
    for name, model in (("stage_change", StageChange), ("owner_change", OwnerChange)):
        table = table_of(model)
        removed[name] = 0
        for chunk in _chunks(created.get(name, [])):
            removed[name] += conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount or 0
    staff_removed = 0
    st = table_of(Staff)
    for staff_id in created.get("staff", []):
        login = conn.execute(select(st.c.login).where(st.c.id == staff_id)).scalar()
        if login is not None and not _still_named(session, login):
            staff_removed += conn.execute(delete(st).where(st.c.id == staff_id)).rowcount or 0
    _write_entry(
        session,
        action=UNDO_ACTION,
        entity="audit_entry",
        entity_id=bulk_id,
        changes={
            "bulk_id": bulk_id,
            "restored": len(entries),
            "removed": {**removed, "staff": staff_removed},
        },
    )
    _expire(session, (Customer, StageChange, OwnerChange, Staff))
    return UndoBulkResult(bulk_id, len(entries), removed["stage_change"], removed["owner_change"], staff_removed)


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
        data = json.loads(r.changes)
        c = data["change"]
        change = BulkChange(
            BulkAction(c["action"]),
            tags=tuple(c.get("tags") or ()),
            owner=c.get("owner") or "",
            stage=Stage(c["stage"]) if c.get("stage") else None,
            reason=c.get("reason") or DEFAULT_REASON,
            churn_reason=ChurnReason(c["churn_reason"]) if c.get("churn_reason") else None,
        )
        count = len(data["customers"])
        out.append(BulkEditRow(r.id, r.at, r.staff, change.done(count), count, r.id in undone))
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
        payload = json.loads(changes)
        hit = False
        for item in payload.get("customers", []):
            if item.get("id") == customer_id and item.get("before") != audit.ERASED:
                item["before"] = dict(audit.ERASED)
                hit = True
        if hit:
            conn.execute(update(t).where(t.c.id == entry_id).values(changes=audit.dump(payload)))
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
