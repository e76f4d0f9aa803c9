"""What every batch writer shares: the store, the options, the counts, and where rejected rows go."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from deskapp.core.db import audit
from deskapp.core.io.importing.kinds import KINDS
from deskapp.core.io.importing.payload import IMPORT_ACTION, FieldChanges, ImportEntry, Ranges
from deskapp.core.io.importing.rowrules import RowError
from deskapp.core.io.importing.rows import CleanRow
from deskapp.core.io.importing.store import Store
from deskapp.core.records import Settings

ON_CONFLICT = ("update", "skip", "error")


@dataclass
class Counts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    customers_created: int = 0
    stage_changes: int = 0
    follow_ups_created: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class WriteContext:
    store: Store
    settings: Settings
    staff: str
    now: datetime
    file_name: str
    kind: str
    on_conflict: str = "update"
    create_missing: bool = False
    counts: Counts = field(default_factory=Counts)
    reject: Callable[[CleanRow, list[RowError]], None] = lambda row, errors: None
    warn: Callable[[str], None] = lambda message: None
    batch_number: int = 0
    stages: Any = None  # the StageBook of an import of purchases or interactions (see stages.py)
    lifecycle_seconds: float = 0.0  # the part of writing spent on the lifecycle rules
    import_batch: int | None = None  # the ImportBatch row this import writes under (see import_models.py)
    likely: Any = None  # the likely-duplicate check of a customers import (likely.LikelyCheck)
    # What the current batch of rows did, for its audit entry (see payload.ImportEntry).
    _inserted: dict[str, Ranges] = field(default_factory=dict)
    _updated: dict[str, dict[str, FieldChanges]] = field(default_factory=dict)
    _prior: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def row_error(self, row: CleanRow, column: str, field_name: str, value: Any, reason: str) -> None:
        self.reject(row, [RowError(row.line, row.columns.get(column, column), field_name, value, reason)])

    # --- the audit entry of one batch ------------------------------------------------------------------------

    def note_inserted(self, table: str, ids: list[int]) -> None:
        """Inserted ids as [first, last] ranges per table: enough to find (and undo) a batch's rows."""
        if not ids:
            return
        ranges = self._inserted.setdefault(table, [])
        for row_id in ids:
            if ranges and ranges[-1][1] == row_id - 1:
                ranges[-1][1] = row_id
            else:
                ranges.append([row_id, row_id])

    def note_updated(self, table: str, row_id: int, changes: dict[str, list[Any]], prior: dict[str, Any]) -> None:
        """A row's changed fields as [old, new], and `prior`: the bookkeeping columns an undo puts back
        (version, updated_at, ...) that the changes, which people read, leave out."""
        self._updated.setdefault(table, {})[str(row_id)] = changes
        if prior:
            self._prior.setdefault(table, {})[str(row_id)] = {k: audit.json_value(v) for k, v in prior.items()}

    def finish(self) -> None:
        """Write what the batches deferred (stage moves), with an audit entry of its own."""
        if self.stages is not None:
            started = time.perf_counter()
            self.batch_number += 1
            self.note_inserted("stage_change", self.stages.finish(self.now))
            self.stages.seal()
            self.flush_audit({})
            self.lifecycle_seconds += time.perf_counter() - started

    def flush_audit(self, counts: dict[str, int]) -> None:
        if not (self._inserted or self._updated or self._prior) and not any(counts.values()):
            return
        entry = ImportEntry(
            self.file_name, self.import_batch, self.batch_number, counts, self._inserted, self._updated, self._prior
        )
        audit.record(
            self.store.session,
            action=IMPORT_ACTION,
            entity=KINDS[self.kind].table,
            entity_id=None,
            changes=entry.to_json(),
        )
        self._inserted, self._updated, self._prior = {}, {}, {}
