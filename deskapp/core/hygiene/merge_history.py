"""Past merges, read back: the list with the ids an undo takes, where a merged-away customer lives on now
(so an old id or an old external id still finds its person), and forgetting them on erasure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlmodel import Session, col

from deskapp.core.customers import escape_like
from deskapp.core.hygiene.merge_payload import MergeSnapshot
from deskapp.core.records import MergeRecord


@dataclass(frozen=True)
class MergeRow:
    id: int
    at: datetime
    staff: str
    survivor_id: int
    other_id: int
    other_name: str
    undone_at: datetime | None


def list_merges(session: Session, *, limit: int = 50) -> list[MergeRow]:
    """The latest merges, newest first."""
    rows = session.execute(select(MergeRecord).order_by(col(MergeRecord.id).desc()).limit(limit)).scalars()
    out = []
    for r in rows:
        other = MergeSnapshot.loads(r.snapshot).other
        assert r.id is not None
        out.append(MergeRow(r.id, r.at, r.staff, r.survivor_id, r.other_id, other.get("name", ""), r.undone_at))
    return out


def merged_into(session: Session, customer_id: int) -> int | None:
    """Where a merged-away customer lives on now (following later merges), or None if it was never merged
    away: so an old id from a script, a note or an import still finds its person."""
    seen = {customer_id}
    current, found = customer_id, None
    while True:
        survivor = session.execute(
            select(col(MergeRecord.survivor_id))
            .where(col(MergeRecord.other_id) == current, col(MergeRecord.undone_at).is_(None))
            .order_by(col(MergeRecord.id).desc())
        ).scalar()
        if survivor is None or survivor in seen:
            return found
        seen.add(survivor)
        current = found = survivor


def survivor_for_external_id(session: Session, external_id: str) -> int | None:
    """The customer that now holds the history of a merged-away customer with this external id: the nightly
    import of a shop's orders finds the merged customer instead of creating the duplicate again."""
    if not external_id:
        return None
    needle = f'"external_id": {json.dumps(external_id)}'
    candidates = session.execute(
        select(MergeRecord)
        .where(
            col(MergeRecord.undone_at).is_(None),
            col(MergeRecord.snapshot).like(f"%{escape_like(needle)}%", escape="\\"),
        )
        .order_by(col(MergeRecord.id).desc())
    ).scalars()
    for record in candidates:
        other = MergeSnapshot.loads(record.snapshot).other
        if other.get("external_id") == external_id:
            return merged_into(session, record.other_id)
    return None


def forget_merges_of(session: Session, customer_id: int) -> int:
    """Delete the merge records that hold a person's data (for erasure); those merges can't be undone."""
    involved = or_(col(MergeRecord.survivor_id) == customer_id, col(MergeRecord.other_id) == customer_id)
    result = session.execute(delete(MergeRecord).where(involved))
    return int(cast("CursorResult[Any]", result).rowcount or 0)  # Session.execute is typed as a plain Result
