"""Undoing a merge: every table back as it was, unless that would throw away later work.

From the merge record: the other customer is inserted again with its original id and values, the rows
that moved go back to it (by id), referrals that had to go are restored, the stage and owner changes the
merge wrote are removed, and the survivor gets its previous values back. When nobody touched the survivor
since, that includes its version and updated_at, so the tables compare equal to before the merge.

It refuses, saying what is in the way, when undoing would lose or break something done later: the
survivor's merged fields were edited since (by hand, or by a later merge), a moved row now belongs to
someone else, the survivor is gone, or the other's id or external id has been taken meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from deskapp.core.db import audit
from deskapp.core.hygiene.merge_payload import MergeSnapshot, UnmergeEntry
from deskapp.core.hygiene.merge_rows import HISTORY, customer_table, json_row, read_row
from deskapp.core.records import (
    Customer,
    DeskError,
    InvalidTransition,
    MergeRecord,
    NotFound,
    Referral,
    clock,
    table_of,
)

BOOKKEEPING = frozenset({"updated_at", "version"})


class UndoRefused(DeskError):
    """Undoing the merge would lose or break later work; `reasons` says what, one line each."""

    def __init__(self, merge_id: int, reasons: list[str]) -> None:
        self.merge_id, self.reasons = merge_id, reasons
        super().__init__(f"merge {merge_id} can't be undone: " + "; ".join(reasons))


@dataclass(frozen=True)
class UndoResult:
    merge_id: int
    survivor_id: int
    other_id: int
    moved_back: dict[str, int]
    notes: tuple[str, ...]  # things that could not be put back because they are gone (nothing was lost)


def _later_merges(session: Session, record: MergeRecord) -> list[int]:
    stmt = select(col(MergeRecord.id)).where(
        col(MergeRecord.id) > record.id,
        col(MergeRecord.undone_at).is_(None),
        (col(MergeRecord.survivor_id) == record.survivor_id) | (col(MergeRecord.other_id) == record.survivor_id),
    )
    return [r[0] for r in session.execute(stmt)]


def _blockers(session: Session, record: MergeRecord, snap: MergeSnapshot) -> tuple[list[str], list[str]]:
    """(reasons to refuse, fields the survivor changed since the merge that the undo leaves alone)."""
    reasons: list[str] = []
    later = _later_merges(session, record)
    hint = f" (merge {', '.join(map(str, later))} came later: undo it first)" if later else ""
    table = customer_table()
    current = read_row(session, table, record.survivor_id)
    if current is None:
        return [f"customer {record.survivor_id}, who kept the merged record, no longer exists{hint}"], []
    before, after = snap.survivor_before, snap.survivor_after
    merged = {c for c in after if c not in BOOKKEEPING and before.get(c) != after[c]}
    edited = {c for c in after if c not in BOOKKEEPING and current.get(c) != after[c]}
    if edited & merged:
        fields = ", ".join(sorted(edited & merged))
        reasons.append(
            f"customer {record.survivor_id} was changed after the merge ({fields}); undoing would lose that{hint}"
        )
    taken = session.get(Customer, record.other_id)
    if taken is not None:
        reasons.append(f"id {record.other_id} is in use again, by customer {taken.name!r}")
    external = snap.other.get("external_id")
    if external:
        holder = session.execute(select(col(Customer.id)).where(col(Customer.external_id) == external)).scalar()
        if holder is not None and not (holder == record.survivor_id and before.get("external_id") != external):
            reasons.append(f"external id {external!r} now belongs to customer {holder}")
    conn = session.connection()
    for name, ids in snap.moved.items():
        if not ids:
            continue
        table_name, _, column = name.partition(".")
        t = table_of(Referral) if column else _history_table(table_name)
        column = column or "customer_id"
        elsewhere = conn.execute(
            select(t.c.id, t.c[column]).where(t.c.id.in_(ids), t.c[column] != record.survivor_id)
        ).all()
        for row_id, owner in elsewhere:
            reasons.append(f"{table_name} {row_id} now belongs to customer {owner}{hint}")
    return reasons, sorted(edited - merged)


def _history_table(name: str) -> Any:
    return next(table_of(m) for m in HISTORY if table_of(m).name == name)


def undo_merge(session: Session, merge_id: int) -> UndoResult:
    """Put back what merge `merge_id` changed, in the caller's transaction (UndoRefused if it can't)."""
    record = session.get(MergeRecord, merge_id, with_for_update=True)
    if record is None:
        raise NotFound("merge", merge_id)
    if record.undone_at is not None:
        raise InvalidTransition(f"merge {merge_id} was already undone ({record.undone_at:%Y-%m-%d %H:%M} UTC)")
    snap = MergeSnapshot.loads(record.snapshot)
    reasons, kept_edits = _blockers(session, record, snap)
    if reasons:
        raise UndoRefused(merge_id, reasons)
    table = customer_table()
    survivor = session.get(Customer, record.survivor_id, with_for_update=True, populate_existing=True)
    assert survivor is not None
    before = json_row(table, snap.survivor_before)
    after = json_row(table, snap.survivor_after)
    restore = {c: v for c, v in before.items() if c != "id" and (c in BOOKKEEPING or v != after.get(c))}
    if kept_edits or survivor.version != after["version"]:  # saved since: later edits stay, the row is saved again
        restore = {c: v for c, v in restore.items() if c not in BOOKKEEPING}
        restore["version"] = survivor.version + 1
        restore["updated_at"] = clock.now()
    for column, value in restore.items():
        setattr(survivor, column, value)
    session.flush()  # frees the other's external id and e-mail before it comes back
    conn = session.connection()
    conn.execute(insert(table).values(json_row(table, snap.other)))
    notes: list[str] = []
    moved_back: dict[str, int] = {}
    for name, ids in snap.moved.items():
        if not ids:
            continue
        table_name, _, column = name.partition(".")
        t = table_of(Referral) if column else _history_table(table_name)
        column = column or "customer_id"
        done = conn.execute(update(t).where(t.c.id.in_(ids)).values({column: record.other_id})).rowcount
        moved_back[table_name] = moved_back.get(table_name, 0) + done
        if done < len(ids):
            notes.append(f"{len(ids) - done} {table_name} row(s) were deleted after the merge")
    rt = table_of(Referral)
    for row in snap.removed.get("referral", []):
        conn.execute(insert(rt).values(json_row(rt, row)))
    for table_name, ids in snap.added.items():
        t = _history_table(table_name)
        conn.execute(delete(t).where(t.c.id.in_(ids)))
    record.undone_at = clock.now()
    record.undone_by = str(session.info.get("staff") or "")
    session.flush()
    audit.record(
        session,
        action="unmerge",
        entity="customer",
        entity_id=record.other_id,
        changes=UnmergeEntry(merge_id, record.survivor_id, moved_back).to_json(),
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, (*HISTORY, Referral)):
            session.expire(obj)
    return UndoResult(merge_id, record.survivor_id, record.other_id, moved_back, tuple(notes))
