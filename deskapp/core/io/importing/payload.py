"""The audit entries of an import, as typed values: `ImportEntry` (one per written batch of rows, action
"import") and `ImportUndoEntry` (action "import undo").

An undo reads the batch back from its `ImportEntry`s: the ids it inserted (as [first, last] ranges per
table), and for each row it updated the old and new value of every changed field plus the bookkeeping
columns (`prior`: version, updated_at) that put the row back exactly. Erasure replaces a person's values
in them by the `ERASED` marker. Keys are the JSON text's own: row ids as strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from deskapp.core.db import audit

IMPORT_ACTION = "import"
UNDO_ACTION = "import undo"

Ranges = list[list[int]]  # [[first, last], ...] of inserted ids
FieldChanges = dict[str, Any]  # field -> [old, new]; or audit.ERASED after an erasure


@dataclass(frozen=True)
class ImportEntry:
    file: str
    import_batch: int | None
    batch: int  # the number of the written batch of rows within the import (0: before the first)
    counts: dict[str, int]
    inserted: dict[str, Ranges] = field(default_factory=dict)  # table -> id ranges
    updated: dict[str, dict[str, FieldChanges]] = field(default_factory=dict)  # table -> row id -> changes
    prior: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # table -> row id -> columns

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file": self.file,
            "import_batch": self.import_batch,
            "batch": self.batch,
            "counts": self.counts,
        }
        for name in ("inserted", "updated", "prior"):  # only what the batch did, as imports always wrote
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportEntry:
        return cls(
            file=str(data.get("file", "")),
            import_batch=data.get("import_batch"),
            batch=int(data.get("batch", 0)),
            counts=dict(data.get("counts") or {}),
            inserted={t: [[int(a), int(b)] for a, b in r] for t, r in (data.get("inserted") or {}).items()},
            updated={t: dict(rows) for t, rows in (data.get("updated") or {}).items()},
            prior={t: dict(rows) for t, rows in (data.get("prior") or {}).items()},
        )

    def updated_rows(self) -> Iterator[tuple[str, int]]:
        """(table, row id) of every row this entry updated."""
        for table, rows in self.updated.items():
            for key in rows:
                yield table, int(key)

    def erased(self, rows: dict[str, set[str]]) -> ImportEntry | None:
        """This entry with the old and new values of these rows (table -> row ids as text) replaced by the
        ERASED marker, or None when it holds none of them."""
        hit = False
        parts: dict[str, dict[str, dict[str, Any]]] = {"updated": {}, "prior": {}}
        for part in parts:
            for table, found in getattr(self, part).items():
                keys = rows.get(table, set()) & set(found)
                hit = hit or bool(keys)
                parts[part][table] = {k: (dict(audit.ERASED) if k in keys else v) for k, v in found.items()}
        if not hit:
            return None
        return ImportEntry(
            self.file, self.import_batch, self.batch, self.counts, self.inserted, parts["updated"], parts["prior"]
        )


@dataclass(frozen=True)
class ImportUndoEntry:
    file: str
    removed: dict[str, int]  # table -> rows deleted
    restored: dict[str, int]  # table -> rows put back as they were

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "removed": self.removed, "restored": self.restored}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportUndoEntry:
        return cls(str(data.get("file", "")), dict(data.get("removed") or {}), dict(data.get("restored") or {}))


__all__ = ["IMPORT_ACTION", "UNDO_ACTION", "ImportEntry", "ImportUndoEntry"]
