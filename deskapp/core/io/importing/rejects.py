"""The rows that were refused, written back in the input's own format with an `error` column.

So the person opens the file in the program the data came from, fixes the cells the error names, and
imports the same file again (it is idempotent, so rows already in are counted unchanged).
"""

from __future__ import annotations

import csv
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from deskapp.core.io.importing.rowrules import RowError
from deskapp.core.io.importing.sources import Record, SourceInfo
from deskapp.core.io.importing.vcard import escape


def open_private(path: str | Path, *, bom: bool = False) -> IO[str]:
    """A new text file only its owner can read: it holds customers' personal data."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_TRUNC
    return open(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")


def describe(errors: list[RowError]) -> str:
    return "; ".join(f"{e.column or e.field or 'row'}: {e.reason}" for e in errors)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


class RejectWriter:
    def __init__(self, path: str | Path, info: SourceInfo, headers: list[str]) -> None:
        self.format = info.format
        self.count = 0
        self._file = open_private(path, bom=info.bom and info.format == "csv")
        self._headers = headers
        if self.format == "csv":
            self._csv = csv.writer(self._file, delimiter=info.delimiter or ",")
            self._csv.writerow([*headers, "error"])
        elif self.format == "json":
            self._file.write("[")

    def write(self, record: Record, errors: list[RowError]) -> None:
        message = describe(errors)
        raw = record.raw
        if self.format == "csv":
            cells = list(raw) if isinstance(raw, list) else [record.values.get(h, "") for h in self._headers]
            cells += [""] * (len(self._headers) - len(cells))
            self._csv.writerow([*cells, message])
        elif self.format in ("json", "jsonl"):
            item = {**raw, "error": message} if isinstance(raw, dict) else {"line": raw, "error": message}
            text = json.dumps(item, ensure_ascii=False, default=_json_default)
            if self.format == "json":
                self._file.write(("," if self.count else "") + "\n" + text)
            else:
                self._file.write(text + "\n")
        else:
            lines = list(raw) if isinstance(raw, list) else []
            end = lines.pop() if lines and lines[-1].upper().startswith("END:") else "END:VCARD"
            self._file.write("\r\n".join([*lines, f"X-DESKAPP-ERROR:{escape(message)}", end]) + "\r\n")
        self.count += 1

    def close(self) -> None:
        if self.format == "json":
            self._file.write("\n]\n")
        self._file.close()
