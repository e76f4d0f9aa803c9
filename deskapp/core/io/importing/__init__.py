"""Imports: read (sniff format, encoding, delimiter) -> map (headers by meaning, known exports) ->
validate (per row, every error with its line) -> write (batched, set-wise, in one transaction).

The CLI's `deskapp import` is a thin shell over `import_file`; so is anything else that loads data.
"""

from __future__ import annotations

from deskapp.core.io.importing.headers import Mapping, MappingError, build_mapping
from deskapp.core.io.importing.kinds import KINDS, kind_named
from deskapp.core.io.importing.pipeline import ImportOptions, ImportSummary, import_file
from deskapp.core.io.importing.rowrules import RowError
from deskapp.core.io.importing.sources import ImportFileError

__all__ = [
    "KINDS",
    "ImportFileError",
    "ImportOptions",
    "ImportSummary",
    "Mapping",
    "MappingError",
    "RowError",
    "build_mapping",
    "import_file",
    "kind_named",
]
