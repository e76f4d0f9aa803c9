"""Imports: read (sniff format, encoding, delimiter) -> map (headers by meaning, known exports) ->
validate (per row, every error with its line) -> write (batched, set-wise, in one transaction).

The CLI's `deskapp import` is a thin shell over `import_file`; so is anything else that loads data. Every
import that writes is a batch (`list_batches`, `undo_batch`), and a column mapping can be saved by name.
"""

from __future__ import annotations

from deskapp.core.io.importing.batches import (
    ImportUndoRefused,
    UndoResult,
    forget_in_imports,
    list_batches,
    undo_batch,
)
from deskapp.core.io.importing.fastpaths import clean_email_fast, clean_phone_fast
from deskapp.core.io.importing.headers import Mapping, MappingError, build_mapping, detect_preset
from deskapp.core.io.importing.kinds import ALIASES, KINDS, kind_named
from deskapp.core.io.importing.payload import ImportEntry, ImportUndoEntry
from deskapp.core.io.importing.pipeline import ImportRun, import_file
from deskapp.core.io.importing.readers import open_records
from deskapp.core.io.importing.rejects import open_private
from deskapp.core.io.importing.rowrules import RowError
from deskapp.core.io.importing.saved_mappings import (
    SavedMapping,
    check_name,
    get_mapping,
    list_mappings,
    save_after_import,
    save_mapping,
)
from deskapp.core.io.importing.sources import ImportFileError, Source
from deskapp.core.io.importing.summary import ImportOptions, ImportSummary
from deskapp.core.io.importing.vcard import read_cards

__all__ = [
    "ALIASES",
    "KINDS",
    "ImportEntry",
    "ImportFileError",
    "ImportOptions",
    "ImportRun",
    "ImportSummary",
    "ImportUndoEntry",
    "ImportUndoRefused",
    "Mapping",
    "MappingError",
    "RowError",
    "SavedMapping",
    "Source",
    "UndoResult",
    "build_mapping",
    "check_name",
    "clean_email_fast",
    "clean_phone_fast",
    "detect_preset",
    "forget_in_imports",
    "get_mapping",
    "import_file",
    "kind_named",
    "list_batches",
    "list_mappings",
    "open_private",
    "open_records",
    "read_cards",
    "save_after_import",
    "save_mapping",
    "undo_batch",
]
