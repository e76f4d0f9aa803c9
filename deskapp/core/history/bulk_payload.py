"""The audit entries of bulk edits, as typed values: `BulkPayload` (action "bulk": everything `undo_bulk`
needs to put the customers back) and `UnbulkPayload` (action "unbulk", written by the undo).

`BulkPayload` holds, for every customer the edit changed, the old value, the old updated_at and the version
the edit left, plus the ids of the history rows it created. Erasure replaces a person's old value by the
ERASED marker (`without_person`). The JSON keys are the ones bulk edits have always written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as default
from typing import Any

from deskapp.core.db import audit
from deskapp.core.history.bulk_actions import BulkChange


@dataclass(frozen=True)
class BulkedCustomer:
    id: int
    before: Any  # the old value as JSON holds it (audit.json_value), or audit.ERASED
    updated_at: str  # ISO 8601, as it was before the edit
    version: int  # the version the edit left: any other means the customer was saved since

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "before": self.before, "updated_at": self.updated_at, "version": self.version}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkedCustomer:
        return cls(int(data["id"]), data.get("before"), str(data["updated_at"]), int(data["version"]))

    @property
    def erased(self) -> bool:
        return bool(self.before == audit.ERASED)


@dataclass(frozen=True)
class BulkCreated:
    """Ids of the rows the edit created, which its undo removes."""

    stage_change: tuple[int, ...] = ()
    owner_change: tuple[int, ...] = ()
    staff: tuple[int, ...] = ()

    def to_json(self) -> dict[str, list[int]]:
        return {
            "stage_change": list(self.stage_change),
            "owner_change": list(self.owner_change),
            "staff": list(self.staff),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkCreated:
        return cls(*(tuple(int(i) for i in data.get(k, ())) for k in ("stage_change", "owner_change", "staff")))


@dataclass(frozen=True)
class BulkPayload:
    change: BulkChange
    field: str  # the customer column changed
    customers: tuple[BulkedCustomer, ...]
    unchanged: int  # already in the target state
    missing: tuple[int, ...]  # ids asked for that were not customers
    created: BulkCreated = default(default_factory=BulkCreated)

    def to_json(self) -> dict[str, Any]:
        return {
            "change": self.change.to_json(),
            "field": self.field,
            "customers": [c.to_json() for c in self.customers],
            "unchanged": self.unchanged,
            "missing": list(self.missing),
            "created": self.created.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BulkPayload:
        return cls(
            change=BulkChange.from_json(data["change"]),
            field=str(data["field"]),
            customers=tuple(BulkedCustomer.from_json(c) for c in data.get("customers", ())),
            unchanged=int(data.get("unchanged", 0)),
            missing=tuple(int(i) for i in data.get("missing", ())),
            created=BulkCreated.from_json(data.get("created") or {}),
        )

    def without_person(self, customer_id: int) -> BulkPayload | None:
        """This payload with the customer's old value erased, or None when there is nothing of theirs."""
        if not any(c.id == customer_id and not c.erased for c in self.customers):
            return None
        customers = tuple(
            replace(c, before=dict(audit.ERASED)) if c.id == customer_id and not c.erased else c for c in self.customers
        )
        return replace(self, customers=customers)


@dataclass(frozen=True)
class UnbulkPayload:
    bulk_id: int
    restored: int  # customers put back
    removed: dict[str, int]  # table -> history rows removed (staff included)

    def to_json(self) -> dict[str, Any]:
        return {"bulk_id": self.bulk_id, "restored": self.restored, "removed": self.removed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnbulkPayload:
        return cls(int(data["bulk_id"]), int(data["restored"]), dict(data["removed"]))


__all__ = ["BulkCreated", "BulkPayload", "BulkedCustomer", "UnbulkPayload"]
