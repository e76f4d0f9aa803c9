"""What a merge keeps for its undo (`MergeSnapshot`, stored on the merge record) and what it says in the
audit trail (`MergeEntry`, `UnmergeEntry`), as typed values with one JSON form each.

The snapshot's JSON is read back by `undo_merge`, by `survivor_for_external_id` (which looks for the other
customer's external id in the text) and rewritten by nobody: erasure deletes the whole record. Its key
order is the one merges have always written, so old records read back the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MergeSnapshot:
    """Both customers as they were, and every row the merge moved, removed or added."""

    other: dict[str, Any]  # the merged-away customer's row (JSON values, see merge_rows.row_json)
    survivor_before: dict[str, Any]
    fields: dict[str, str]  # field -> which side was taken ("survivor", "other", "both")
    moved: dict[str, list[int]] = field(default_factory=dict)  # table (or "referral.column") -> ids re-pointed
    removed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> rows deleted
    added: dict[str, list[int]] = field(default_factory=dict)  # table -> ids of rows the merge created
    survivor_after: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "survivor_before": self.survivor_before,
            "fields": self.fields,
            "moved": self.moved,
            "removed": self.removed,
            "added": self.added,
            "survivor_after": self.survivor_after,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MergeSnapshot:
        return cls(
            other=dict(data.get("other") or {}),
            survivor_before=dict(data.get("survivor_before") or {}),
            fields=dict(data.get("fields") or {}),
            moved={k: list(v) for k, v in (data.get("moved") or {}).items()},
            removed={k: list(v) for k, v in (data.get("removed") or {}).items()},
            added={k: list(v) for k, v in (data.get("added") or {}).items()},
            survivor_after=dict(data.get("survivor_after") or {}),
        )

    @classmethod
    def loads(cls, text: str) -> MergeSnapshot:
        return cls.from_json(json.loads(text))


@dataclass(frozen=True)
class MergeEntry:
    """The audit entry of a merge (entity: the survivor)."""

    merge_id: int
    merged: int  # the other customer's id
    fields: dict[str, str]
    moved: dict[str, int]  # table -> rows moved

    def to_json(self) -> dict[str, Any]:
        return {"merge_id": self.merge_id, "merged": self.merged, "fields": self.fields, "moved": self.moved}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MergeEntry:
        return cls(int(data["merge_id"]), int(data["merged"]), dict(data.get("fields") or {}), dict(data["moved"]))


@dataclass(frozen=True)
class UnmergeEntry:
    """The audit entry of an undone merge (entity: the customer who came back)."""

    merge_id: int
    survivor: int
    moved_back: dict[str, int]  # table -> rows moved back

    def to_json(self) -> dict[str, Any]:
        return {"merge_id": self.merge_id, "survivor": self.survivor, "moved_back": self.moved_back}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnmergeEntry:
        return cls(int(data["merge_id"]), int(data["survivor"]), dict(data["moved_back"]))


__all__ = ["MergeEntry", "MergeSnapshot", "UnmergeEntry"]
