"""The six bulk actions (tag, untag, owner, stage, archive, unarchive), one strategy each: how its input is
checked, what it does to one customer's value, how it asks and says what it did, and the history rows
(stage changes, owner changes, a new staff member) a single edit would have written too.

`BulkChange` is the validated change a form confirms and `bulk.bulk_edit` applies; it asks its action's
strategy instead of branching on the action.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import Table, insert, select
from sqlmodel import Session

from deskapp.core.db import json_value
from deskapp.core.records import (
    ChurnReason,
    OwnerChange,
    Staff,
    Stage,
    StageChange,
    ValidationFailed,
    clean_enum,
    clean_text,
    normalise_tags,
    table_of,
    tag_list,
)

DEFAULT_REASON = "bulk edit"


class BulkAction(enum.StrEnum):
    TAG = "tag"
    UNTAG = "untag"
    OWNER = "owner"
    STAGE = "stage"
    ARCHIVE = "archive"
    UNARCHIVE = "unarchive"


def count_text(n: int) -> str:
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
    def strategy(self) -> BulkStrategy:
        return STRATEGIES[self.action]

    @property
    def field(self) -> str:
        """The customer column the action changes."""
        return self.strategy.field

    def question(self, count: int) -> str:
        """The one confirmation asked before the edit, e.g. "Change the stage of 12 customers to retention?"."""
        return self.strategy.question(self, count_text(count))

    def done(self, count: int) -> str:
        """What happened, for a notification: "Tagged 12 customers vip"."""
        return self.strategy.done(self, count_text(count))

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "tags": list(self.tags),
            "owner": self.owner,
            "stage": json_value(self.stage),
            "reason": self.reason,
            "churn_reason": json_value(self.churn_reason),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkChange:
        return cls(
            BulkAction(data["action"]),
            tags=tuple(data.get("tags") or ()),
            owner=data.get("owner") or "",
            stage=Stage(data["stage"]) if data.get("stage") else None,
            reason=data.get("reason") or DEFAULT_REASON,
            churn_reason=ChurnReason(data["churn_reason"]) if data.get("churn_reason") else None,
        )


@dataclass(frozen=True)
class Changed:
    """A customer the edit changes: its id and its value before (for the history rows)."""

    customer_id: int
    before: Any


def insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id)  # the ids only, in any order (ordered would go row by row)
    return [r[0] for r in session.connection().execute(stmt, rows)]


class BulkStrategy:
    """What one action does. `per_row`: each customer's new value differs (tags), so the update binds one
    value per row; otherwise one value is set for all."""

    action: ClassVar[BulkAction]
    field: ClassVar[str]
    per_row: ClassVar[bool] = False

    def clean(self, value: Any, reason: str | None, churn_reason: ChurnReason | str | None) -> BulkChange:
        return BulkChange(self.action)

    def new_value(self, change: BulkChange, current: Any) -> Any:
        """The column's value after the change (equal to `current` when the customer is already there)."""
        raise NotImplementedError

    def question(self, change: BulkChange, who: str) -> str:
        raise NotImplementedError

    def done(self, change: BulkChange, who: str) -> str:
        raise NotImplementedError

    def record(
        self, session: Session, change: BulkChange, changed: list[Changed], now: datetime, staff: str
    ) -> dict[str, list[int]]:
        """Write the history rows of the changed customers; returns the ids created, by table."""
        return {}


class _TagStrategy(BulkStrategy):
    field = "tags"
    per_row = True

    def clean(self, value: Any, reason: str | None, churn_reason: ChurnReason | str | None) -> BulkChange:
        tags = tuple(tag_list(normalise_tags(value)))
        if not tags:
            raise ValidationFailed.one("value", value, "name the tag")
        if any(len(t) > 100 for t in tags):
            raise ValidationFailed.one("value", value, "a tag is longer than 100 characters")
        return BulkChange(self.action, tags=tags)

    @staticmethod
    def _words(change: BulkChange) -> tuple[str, str]:
        return ("tag" if len(change.tags) == 1 else "tags"), ", ".join(change.tags)


class TagStrategy(_TagStrategy):
    action = BulkAction.TAG

    def new_value(self, change: BulkChange, current: Any) -> Any:
        # Only the named tokens are added; the others stay exactly as stored.
        tags = tag_list(current)
        added = [t for t in change.tags if t not in tags]
        return f",{','.join(tags + added)}," if added else current

    def question(self, change: BulkChange, who: str) -> str:
        word, tags = self._words(change)
        return f"Add the {word} {tags} to {who}?"

    def done(self, change: BulkChange, who: str) -> str:
        return f"Tagged {who} {self._words(change)[1]}"


class UntagStrategy(_TagStrategy):
    action = BulkAction.UNTAG

    def new_value(self, change: BulkChange, current: Any) -> Any:
        tags = tag_list(current)
        kept = [t for t in tags if t not in change.tags]
        if len(kept) == len(tags):
            return current
        return f",{','.join(kept)}," if kept else ""

    def question(self, change: BulkChange, who: str) -> str:
        word, tags = self._words(change)
        return f"Remove the {word} {tags} from {who}?"

    def done(self, change: BulkChange, who: str) -> str:
        return f"Removed {self._words(change)[1]} from {who}"


class OwnerStrategy(BulkStrategy):
    action = BulkAction.OWNER
    field = "owner"

    def clean(self, value: Any, reason: str | None, churn_reason: ChurnReason | str | None) -> BulkChange:
        return BulkChange(self.action, owner=clean_text("value", value, required=True, max_length=64))

    def new_value(self, change: BulkChange, current: Any) -> Any:
        return change.owner

    def question(self, change: BulkChange, who: str) -> str:
        return f"Make {change.owner} the owner of {who}?"

    def done(self, change: BulkChange, who: str) -> str:
        return f"{change.owner} now owns {who}"

    def record(
        self, session: Session, change: BulkChange, changed: list[Changed], now: datetime, staff: str
    ) -> dict[str, list[int]]:
        rows = [
            {"customer_id": c.customer_id, "from_owner": c.before, "to_owner": change.owner, "at": now, "staff": staff}
            for c in changed
        ]
        created = {"owner_change": insert_returning_ids(session, table_of(OwnerChange), rows)}
        staff_table = table_of(Staff)
        known = session.connection().execute(select(staff_table.c.id).where(staff_table.c.login == change.owner))
        if known.first() is None:  # a new owner becomes known staff, as a single edit makes them
            new = {"login": change.owner, "display_name": change.owner, "created_at": now}
            created["staff"] = insert_returning_ids(session, staff_table, [new])
        return created


class StageStrategy(BulkStrategy):
    action = BulkAction.STAGE
    field = "stage"

    def clean(self, value: Any, reason: str | None, churn_reason: ChurnReason | str | None) -> BulkChange:
        stage = clean_enum(Stage, "value", value)
        why = clean_text("reason", reason, max_length=2000) or DEFAULT_REASON
        category = None
        if stage == Stage.CHURNED:
            if churn_reason is None or str(churn_reason).strip() == "":
                raise ValidationFailed.one("churn_reason", churn_reason, "is required when customers are churned")
            category = clean_enum(ChurnReason, "churn_reason", churn_reason)
        return BulkChange(self.action, stage=stage, reason=why, churn_reason=category)

    def new_value(self, change: BulkChange, current: Any) -> Any:
        return change.stage

    def question(self, change: BulkChange, who: str) -> str:
        assert change.stage is not None
        churn = f" ({change.churn_reason.value.replace('_', ' ')})" if change.churn_reason else ""
        return f"Change the stage of {who} to {change.stage.value}{churn}?"

    def done(self, change: BulkChange, who: str) -> str:
        assert change.stage is not None
        return f"Moved {who} to {change.stage.value}"

    def record(
        self, session: Session, change: BulkChange, changed: list[Changed], now: datetime, staff: str
    ) -> dict[str, list[int]]:
        rows = [
            {
                "customer_id": c.customer_id,
                "from_stage": Stage(c.before),
                "to_stage": change.stage,
                "at": now,
                "reason": change.reason,
                "churn_reason": change.churn_reason,
                "staff": staff,
                "automatic": False,
            }
            for c in changed
        ]
        return {"stage_change": insert_returning_ids(session, table_of(StageChange), rows)}


class _ArchivedStrategy(BulkStrategy):
    """Archive and unarchive: one flag, set one way or the other."""

    field = "archived"
    archived: ClassVar[bool]
    verb: ClassVar[str]

    def new_value(self, change: BulkChange, current: Any) -> Any:
        return self.archived

    def question(self, change: BulkChange, who: str) -> str:
        return f"{self.verb} {who}?"

    def done(self, change: BulkChange, who: str) -> str:
        return f"{self.verb}d {who}"


class ArchiveStrategy(_ArchivedStrategy):
    action = BulkAction.ARCHIVE
    archived, verb = True, "Archive"


class UnarchiveStrategy(_ArchivedStrategy):
    action = BulkAction.UNARCHIVE
    archived, verb = False, "Unarchive"


STRATEGIES: dict[BulkAction, BulkStrategy] = {
    s.action: s
    for s in (TagStrategy(), UntagStrategy(), OwnerStrategy(), StageStrategy(), ArchiveStrategy(), UnarchiveStrategy())
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
    return STRATEGIES[kind].clean(value, reason, churn_reason)


__all__ = [
    "DEFAULT_REASON",
    "STRATEGIES",
    "BulkAction",
    "BulkChange",
    "BulkStrategy",
    "Changed",
    "clean_change",
    "count_text",
]
