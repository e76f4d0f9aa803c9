"""What an import was asked to do (`ImportOptions`) and what it did (`ImportSummary`).

Apart from the pipeline so that saved mappings, the CLI and the TUI can read and build them without
importing the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deskapp.core.io.importing.context import Counts
from deskapp.core.io.importing.rowrules import RowError


@dataclass
class ImportOptions:
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    mapping: Sequence[str] = ()  # "Source column=field" overrides
    dayfirst: bool | None = None  # None: day first unless the file is a known month-first export
    on_conflict: str = "update"
    create_missing: bool = False
    skip_invalid: bool = False
    dry_run: bool = False
    rejects: str | Path | None = None
    batch_size: int = 5000
    errors_kept: int = 1000
    saved_mapping: Any = None  # a saved_mappings.SavedMapping read the same way (explicit options win)
    decimal: str | None = None  # "." or ",": how to read an amount such as 12.345 (None: as the file shows)
    duplicates: str = "create"  # customers that look like existing ones: "create" (and report) or "skip"


@dataclass(kw_only=True)
class ImportSummary:
    """What an import did (or would do): built by keyword, filled in as the rows go by."""

    kind: str
    file: str
    format: str
    encoding: str
    delimiter: str | None
    preset: str | None
    mapping: list[tuple[str, str]]
    ignored: list[str]
    dry_run: bool
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    errors_total: int = 0
    warnings: list[str] = field(default_factory=list)
    warnings_total: int = 0
    notices: list[str] = field(default_factory=list)
    committed: bool = False
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=lambda: {"read": 0.0, "validate": 0.0, "write": 0.0})
    rejects_file: str | None = None
    import_batch: int | None = None  # the batch id `deskapp import undo` takes (None: nothing committed)
    overrides: list[str] = field(default_factory=list)  # the --map overrides in effect (saved ones included)
    field_columns: list[tuple[str, str]] = field(default_factory=list)  # (column, field) the mapping read
    likely_duplicates: list[Any] = field(default_factory=list)  # likely.LikelyDuplicateRow, by line
    likely_duplicates_total: int = 0
    not_imported: list[str] = field(default_factory=list)  # columns the desk doesn't keep that held values

    @property
    def rows_per_second(self) -> float:
        return self.counts.rows / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        """0: every row imported (or would be); 1: rows were rejected."""
        return 1 if self.counts.rejected else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "detected_export": self.preset,
            "mapping": [{"columns": src, "field": target} for src, target in self.mapping],
            "ignored_columns": self.ignored,
            "not_imported": self.not_imported,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "import_batch": self.import_batch,
            **self.counts.as_dict(),
            "errors_total": self.errors_total,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": self.warnings,
            "warnings_total": self.warnings_total,
            "notices": self.notices,
            "likely_duplicates_total": self.likely_duplicates_total,
            "likely_duplicates": [d.as_dict(committed=self.committed) for d in self.likely_duplicates],
            "rejects_file": self.rejects_file,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


# What a batch's audit entry counts (rows and rejects belong to the whole file).
BATCH_COUNTS = (
    "inserted",
    "updated",
    "unchanged",
    "skipped",
    "customers_created",
    "stage_changes",
    "follow_ups_created",
)
