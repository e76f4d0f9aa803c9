"""Data in and out of the desk: importing (files of customers, calls, purchases, complaints and follow-ups,
in batches that can be undone), exporting (CSV, JSON, JSON Lines, vCard, iCalendar), and the sample desk.

May import the packages below it (`records`, `db`, `customers`, `activity`, `hygiene`: an import checks for
likely duplicates); `history` (erasure) and `ops` use it, nothing lower does.
"""

from __future__ import annotations

from deskapp.core.io.exporting import FIELDS, ExportError, export_records
from deskapp.core.io.importing import (
    ALIASES,
    KINDS,
    ImportEntry,
    ImportFileError,
    ImportOptions,
    ImportSummary,
    ImportUndoEntry,
    ImportUndoRefused,
    MappingError,
    SavedMapping,
    Source,
    UndoResult,
    build_mapping,
    check_name,
    clean_email_fast,
    clean_phone_fast,
    detect_preset,
    forget_in_imports,
    get_mapping,
    import_file,
    list_batches,
    list_mappings,
    open_private,
    open_records,
    read_cards,
    save_after_import,
    save_mapping,
    undo_batch,
)
from deskapp.core.io.sample import demo_database_path, ensure_demo_database, load_sample

__all__ = [
    "ALIASES",
    "FIELDS",
    "KINDS",
    "ExportError",
    "ImportEntry",
    "ImportFileError",
    "ImportOptions",
    "ImportSummary",
    "ImportUndoEntry",
    "ImportUndoRefused",
    "MappingError",
    "SavedMapping",
    "Source",
    "UndoResult",
    "build_mapping",
    "check_name",
    "clean_email_fast",
    "clean_phone_fast",
    "demo_database_path",
    "detect_preset",
    "ensure_demo_database",
    "export_records",
    "forget_in_imports",
    "get_mapping",
    "import_file",
    "list_batches",
    "list_mappings",
    "load_sample",
    "open_private",
    "open_records",
    "read_cards",
    "save_after_import",
    "save_mapping",
    "undo_batch",
]
