"""Merging two customers who are one person, and undoing it.

The survivor keeps one value per field, chosen field by field. By default the value of the more recently
updated customer wins when it is not empty ("newest non-empty"), with four exceptions where that rule
would lose something true: tags and special days are united, notes are joined (a note is never silently
dropped), the source is the older customer's (it says how they first heard of the business), and the
stage is the one furthest along (a fresh lead record must not turn a buyer back into a lead) unless the
newer record says they churned. "Customer since" (created_at) becomes the earlier of the two. Callers
override any field with `picks={"email": "other", ...}`.

Every interaction, complaint, purchase, follow-up, stage change, owner change and referral of the other
customer moves to the survivor; the other row is then deleted, not archived: an archived ghost would
still be counted by the figures, found by e-mail and external id by the importer, hold its external id
against the survivor, and could be un-archived as a hollow customer. Its exact row is kept in the
merge record, from which `undo_merge` (deskapp.core.hygiene.merge_undo) puts everything back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import Session, col

from deskapp.core.customers import keep_losing_contacts, search_contacts_of
from deskapp.core.db import audit, staff_of
from deskapp.core.hygiene.merge_history import (
    MergeRow,
    forget_merges_of,
    list_merges,
    merged_into,
    survivor_for_external_id,
)
from deskapp.core.hygiene.merge_payload import MergeEntry, MergeSnapshot
from deskapp.core.hygiene.merge_rows import HISTORY, customer_table, read_row, refuse_unknown_references, row_json
from deskapp.core.hygiene.merge_undo import UndoResult, undo_merge
from deskapp.core.records import (
    Customer,
    FieldError,
    MergeRecord,
    NotFound,
    OwnerChange,
    Referral,
    Stage,
    StageChange,
    ValidationFailed,
    clock,
    normalise_tags,
    table_of,
    tag_list,
)

# The fields a person chooses between, and the columns each one carries with it.
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "company": ("company",),
    "email": ("email",),
    "phone": ("phone", "phone_raw", "search_phone"),
    "tags": ("tags",),
    "source": ("source",),
    "owner": ("owner",),
    "stage": ("stage",),
    "cadence_days": ("cadence_days",),
    "birthday": ("birthday",),
    "special_dates": ("special_dates",),
    "notes": ("notes",),
    "external_id": ("external_id",),
    # An address moves as a whole (a street from one and a city from the other is nobody's address), and
    # so does a consent with when and how it was given.
    "address": ("street", "postcode", "city", "region", "country"),
    "language": ("language",),
    "marketing_consent": ("marketing_consent", "consent_at", "consent_source"),
}
ADDRESS = FIELD_COLUMNS["address"]


def field_value(customer: Customer, field: str) -> Any:
    """The value a person compares for one merge field (an address as one line)."""
    if field == "address":
        return ", ".join(str(getattr(customer, c)) for c in ADDRESS if getattr(customer, c))
    return getattr(customer, field)


STAGE_ORDER = (Stage.AWARENESS, Stage.CONSIDERATION, Stage.PURCHASE, Stage.RETENTION, Stage.ADVOCACY)
PICKS = ("survivor", "other")


@dataclass(frozen=True)
class FieldChoice:
    field: str
    survivor: Any
    other: Any
    result: Any
    taken: str  # survivor, other, both (united or joined), same


@dataclass(frozen=True)
class MergePlan:
    survivor_id: int
    other_id: int
    fields: tuple[FieldChoice, ...]
    moves: dict[str, int]  # table -> rows of the other customer that move to the survivor

    def changes(self) -> dict[str, Any]:
        """The survivor's new field values, for the fields that change."""
        return {f.field: f.result for f in self.fields if f.result != f.survivor}


@dataclass(frozen=True)
class MergeResult:
    merge_id: int
    survivor_id: int
    other_id: int
    fields: tuple[FieldChoice, ...]
    moved: dict[str, int]


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _joined_notes(first: str, second: str) -> str:
    if not first or not second or second in first:
        return first or second
    return f"{first}\n\n{second}"


def _united_dates(first: str, second: str) -> str:
    items = (json.loads(first) if first else []) + (json.loads(second) if second else [])
    unique = list({(d.get("label", ""), d["date"]): d for d in items}.values())
    return json.dumps(unique, ensure_ascii=False) if unique else ""


def _default(field: str, survivor: Customer, other: Customer) -> tuple[Any, str]:
    """(value, taken) for one field when nobody picked."""
    mine, theirs = field_value(survivor, field), field_value(other, field)
    if mine == theirs:
        return mine, "same"
    if field == "marketing_consent" and mine is not None and theirs is not None:
        # the later decision stands: a withdrawal after a consent is a withdrawal
        later_is_other = (other.consent_at or other.updated_at) > (survivor.consent_at or survivor.updated_at)
        return (theirs, "other") if later_is_other else (mine, "survivor")
    if field == "tags":
        return normalise_tags(tag_list(mine) + tag_list(theirs)), "both"
    if field == "notes":
        value = _joined_notes(mine, theirs)
        return value, "both" if value not in (mine, theirs) else ("survivor" if value == mine else "other")
    if field == "special_dates":
        value = _united_dates(mine, theirs)
        return value, "both" if value not in (mine, theirs) else ("survivor" if value == mine else "other")
    newer_is_other = other.updated_at > survivor.updated_at
    if field == "stage":
        if (other if newer_is_other else survivor).stage == Stage.CHURNED:
            return Stage.CHURNED, "other" if newer_is_other else "survivor"
        rank = {s: i for i, s in enumerate(STAGE_ORDER)}
        return (theirs, "other") if rank.get(theirs, -1) > rank.get(mine, -1) else (mine, "survivor")
    if field == "source":
        older_is_other = (other.created_at, other.id or 0) < (survivor.created_at, survivor.id or 0)
        prefer_other = older_is_other
    else:
        prefer_other = newer_is_other
    first, second = ((theirs, "other"), (mine, "survivor")) if prefer_other else ((mine, "survivor"), (theirs, "other"))
    return first if not _empty(first[0]) else second


def _choices(survivor: Customer, other: Customer, picks: Mapping[str, str]) -> tuple[FieldChoice, ...]:
    errors = [FieldError(f, v, "is not a customer field") for f, v in picks.items() if f not in FIELD_COLUMNS]
    errors += [FieldError(f, v, "pick survivor or other") for f, v in picks.items() if v not in PICKS]
    if errors:
        raise ValidationFailed(errors)
    out = []
    for field in FIELD_COLUMNS:
        mine, theirs = field_value(survivor, field), field_value(other, field)
        if field in picks:
            value, taken = (mine, "survivor") if picks[field] == "survivor" else (theirs, "other")
        else:
            value, taken = _default(field, survivor, other)
        out.append(FieldChoice(field, mine, theirs, value, taken))
    return tuple(out)


def _count(session: Session, table: Any, customer_id: int) -> int:
    return len(session.execute(select(table.c.id).where(table.c.customer_id == customer_id)).all())


def _load_pair(session: Session, survivor_id: int, other_id: int, *, lock: bool = False) -> tuple[Customer, Customer]:
    if survivor_id == other_id:
        raise ValidationFailed.one("other_id", other_id, "a customer can't be merged with itself")
    if lock:  # both rows locked by one statement, in id order: two merges of the same pair can't deadlock
        stmt = select(Customer).where(col(Customer.id).in_((survivor_id, other_id))).order_by(col(Customer.id))
        list(session.execute(stmt.with_for_update()).scalars())
    survivor = session.get(Customer, survivor_id, populate_existing=lock)
    other = session.get(Customer, other_id, populate_existing=lock)
    if survivor is None:
        raise NotFound("customer", survivor_id)
    if other is None:
        raise NotFound("customer", other_id)
    return survivor, other


def plan_merge(
    session: Session, survivor_id: int, other_id: int, *, picks: Mapping[str, str] | None = None
) -> MergePlan:
    """What a merge would do, field by field, without doing it (for the side-by-side view and --yes-less
    confirmation)."""
    survivor, other = _load_pair(session, survivor_id, other_id)
    moves = {table_of(m).name: _count(session, table_of(m), other_id) for m in HISTORY}
    rt = table_of(Referral)
    moves["referral"] = len(
        session.execute(select(rt.c.id).where(or_(rt.c.referrer_id == other_id, rt.c.referred_id == other_id))).all()
    )
    return MergePlan(survivor_id, other_id, _choices(survivor, other, picks or {}), moves)


def merge_customers(
    session: Session, survivor_id: int, other_id: int, *, picks: Mapping[str, str] | None = None
) -> MergeResult:
    """Merge `other_id` into `survivor_id` in the caller's transaction; returns the merge record's id,
    which `undo_merge` takes."""
    survivor, other = _load_pair(session, survivor_id, other_id, lock=True)
    refuse_unknown_references(session, other_id)
    choices = _choices(survivor, other, picks or {})
    table = customer_table()
    other_row, survivor_before = read_row(session, table, other_id), read_row(session, table, survivor_id)
    assert other_row is not None and survivor_before is not None  # both were just loaded and locked
    moved_ids, removed, moved = _move_history(session, survivor_id, other_id)
    added: dict[str, list[int]] = {}
    values: dict[str, Any] = {}
    for choice in choices:
        source = other if choice.taken == "other" else survivor
        for column in FIELD_COLUMNS[choice.field]:
            values[column] = getattr(source, column) if choice.taken != "both" else choice.result
    values["created_at"] = min(survivor.created_at, other.created_at)
    values["archived"] = survivor.archived and other.archived
    now = clock.now()
    staff = staff_of(session)
    if values["stage"] != survivor.stage:
        change = StageChange(
            customer_id=survivor_id,
            from_stage=survivor.stage,
            to_stage=values["stage"],
            at=now,
            reason=f"merged with customer {other_id}",
            staff=staff,
        )
        session.add(change)
        session.flush()
        assert change.id is not None
        added["stage_change"] = [change.id]
    if values["owner"] != survivor.owner:
        owner_change = OwnerChange(
            customer_id=survivor_id, from_owner=survivor.owner, to_owner=values["owner"], at=now, staff=staff
        )
        session.add(owner_change)
        session.flush()
        assert owner_change.id is not None
        added["owner_change"] = [owner_change.id]
    kept = keep_losing_contacts(session, survivor, other, values)
    if kept:
        added.update(kept)
    session.delete(other)
    session.flush()  # the other's external id and e-mail are free before the survivor takes them
    values["search_contacts"] = search_contacts_of(session, survivor_id, survivor.country or other.country)
    changed = False
    for column, value in values.items():
        if getattr(survivor, column) != value:
            setattr(survivor, column, value)
            changed = True
    if changed:
        survivor.version += 1
        survivor.updated_at = now
    session.flush()
    snapshot = MergeSnapshot(
        other=other_row,
        survivor_before=survivor_before,
        fields={c.field: c.taken for c in choices},
        moved=moved_ids,
        removed=removed,
        added=added,
        survivor_after=read_row(session, table, survivor_id) or {},
    )
    record = MergeRecord(at=now, staff=staff, survivor_id=survivor_id, other_id=other_id, snapshot=snapshot.dumps())
    session.add(record)
    session.flush()
    assert record.id is not None
    audit.record(
        session,
        action="merge",
        entity="customer",
        entity_id=survivor_id,
        changes=MergeEntry(record.id, other_id, snapshot.fields, moved).to_json(),
    )
    _expire_history(session)
    return MergeResult(record.id, survivor_id, other_id, choices, moved)


def _move_history(
    session: Session, survivor_id: int, other_id: int
) -> tuple[dict[str, list[int]], dict[str, list[dict[str, Any]]], dict[str, int]]:
    """Re-point the other's rows at the survivor. Returns each moved id and each referral that can't move
    (one between the two, or a second "referred by" the survivor already has), for the undo, and the
    counts moved per table."""
    conn = session.connection()
    moved: dict[str, int] = {}
    moved_ids: dict[str, list[int]] = {}
    for model in HISTORY:
        t = table_of(model)
        ids = [r[0] for r in conn.execute(select(t.c.id).where(t.c.customer_id == other_id).order_by(t.c.id))]
        if ids:
            conn.execute(update(t).where(t.c.id.in_(ids)).values(customer_id=survivor_id))
        moved_ids[t.name] = ids
        moved[t.name] = len(ids)
    rt = table_of(Referral)
    between = or_(
        (rt.c.referrer_id == other_id) & (rt.c.referred_id == survivor_id),
        (rt.c.referrer_id == survivor_id) & (rt.c.referred_id == other_id),
    )
    removed = list(conn.execute(select(rt).where(between)))
    referred = (rt.c.referred_id == survivor_id) & ~between
    if conn.execute(select(rt.c.id).where(referred)).first() is not None:  # one "referred by" is kept
        removed += list(conn.execute(select(rt).where((rt.c.referred_id == other_id) & ~between)))
    if removed:
        conn.execute(delete(rt).where(rt.c.id.in_([r.id for r in removed])))
    removed_rows = {"referral": [row_json(rt, r) for r in removed]}
    for column in ("referrer_id", "referred_id"):
        ids = [r[0] for r in conn.execute(select(rt.c.id).where(rt.c[column] == other_id).order_by(rt.c.id))]
        if ids:
            conn.execute(update(rt).where(rt.c.id.in_(ids)).values({column: survivor_id}))
        moved_ids[f"referral.{column}"] = ids
    moved["referral"] = sum(len(moved_ids[f"referral.{c}"]) for c in ("referrer_id", "referred_id"))
    return moved_ids, removed_rows, moved


def _expire_history(session: Session) -> None:
    """Child rows were moved with UPDATE statements: objects of those kinds the session holds are stale."""
    kinds = (*HISTORY, Referral)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, kinds):
            session.expire(obj)


__all__ = [
    "FieldChoice",
    "MergePlan",
    "MergeResult",
    "MergeRow",
    "UndoResult",
    "forget_merges_of",
    "list_merges",
    "merge_customers",
    "merged_into",
    "plan_merge",
    "survivor_for_external_id",
    "undo_merge",
]
