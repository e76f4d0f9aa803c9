"""One pair of likely duplicates, ready to be looked at side by side before a merge.

The shells (the desk's merge screen, `deskapp merge`) show the same thing: who survives by default (the
older customer: the one the business has known longest keeps its id), the field-by-field plan from
`merge.plan_merge`, the two names, and how alike the two are. Deciding that lives here, not in a shell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session

from deskapp.core.customers import get_customer
from deskapp.core.hygiene.likely import pair_score
from deskapp.core.hygiene.merge import MergePlan, plan_merge
from deskapp.core.records import ValidationFailed


@dataclass(frozen=True)
class MergePreview:
    plan: MergePlan
    names: dict[int, str]  # customer id -> name, for both
    score: int
    reasons: tuple[str, ...]

    @property
    def survivor_name(self) -> str:
        return self.names[self.plan.survivor_id]

    @property
    def other_name(self) -> str:
        return self.names[self.plan.other_id]


def default_survivor(session: Session, first_id: int, second_id: int) -> int:
    """The id that survives when nobody chose: the older customer (created first; the lower id on a tie)."""

    first, second = get_customer(session, first_id), get_customer(session, second_id)
    older = min((first, second), key=lambda c: (c.created_at, c.id or 0))
    assert older.id is not None
    return older.id


def merge_preview(
    session: Session,
    first_id: int,
    second_id: int,
    *,
    keep: int | None = None,
    picks: Mapping[str, str] | None = None,
) -> MergePreview:
    """The plan for merging the two (`keep` survives, by default the older), with names and score."""

    if keep is not None and keep not in (first_id, second_id):
        raise ValidationFailed.one("keep", keep, f"is not one of the two customers ({first_id}, {second_id})")
    survivor_id = keep if keep is not None else default_survivor(session, first_id, second_id)
    other_id = second_id if survivor_id == first_id else first_id
    plan = plan_merge(session, survivor_id, other_id, picks=picks)
    names = {i: get_customer(session, i).name for i in (survivor_id, other_id)}
    score, reasons = pair_score(session, survivor_id, other_id)
    return MergePreview(plan, names, score, reasons)


__all__ = ["MergePreview", "default_survivor", "merge_preview"]
