"""Records out of each format, streamed, each with the line it starts on (what error messages cite).

CSV rows become dicts keyed by the header; a JSON array is parsed one element at a time (never loaded
whole: a nightly export can be larger than memory); JSON Lines line by line; vCards card by card. A row
that can't be read (a broken JSON line, more cells than the header) is still a record, with a `problem`,
so it is reported with its line like any other bad row instead of stopping the import.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from deskapp.core.io.importing.sources import ImportFileError, Record, Source
from deskapp.core.io.importing.vcard import read_cards

PEEK_RECORDS = 200  # JSON has no header: the columns are the keys seen in the first records


def open_records(source: Source) -> tuple[list[str], Iterator[Record]]:
    """The column names (for the mapping) and the records, streamed."""
    fmt = source.info.format
    if fmt == "csv":
        return _csv_records(source)
    if fmt == "vcf":
        return _with_keys(read_cards(source.text))
    if fmt == "jsonl":
        return _with_keys(_jsonl_records(source))
    return _with_keys(_json_array_records(source))


def _unique_headers(header: list[str]) -> list[str]:
    out: list[str] = []
    for i, name in enumerate(header):
        clean = name.replace("\ufeff", "").strip() or f"column {i + 1}"
        candidate, n = clean, 2
        while candidate in out:
            candidate, n = f"{clean} ({n})", n + 1
        out.append(candidate)
    return out


def _csv_records(source: Source) -> tuple[list[str], Iterator[Record]]:
    reader = csv.reader(source.text, delimiter=source.info.delimiter or ",")
    try:
        header = _unique_headers(next(reader))
    except StopIteration:
        raise ImportFileError(f"{source.info.name} has no header row") from None
    except csv.Error as exc:
        raise ImportFileError(f"{source.info.name} line 1: {exc}") from None

    def rows() -> Iterator[Record]:
        width = len(header)
        previous = reader.line_num
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(f"{source.info.name} line {reader.line_num}: {exc}") from None
            line, previous = previous + 1, reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            problem = None
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                problem = f"has {len(row)} cells but the header has {width}"
            yield Record(line, dict(zip(header, row, strict=False)), row, problem)

    return header, rows()


def _with_keys(records: Iterator[Record]) -> tuple[list[str], Iterator[Record]]:
    """Peek at the first records for their keys (JSON and vCard have no header row)."""
    head = list(itertools.islice(records, PEEK_RECORDS))
    keys: dict[str, None] = {}
    for record in head:
        keys.update(dict.fromkeys(record.values))
    return list(keys), itertools.chain(head, records)


_DECODER = json.JSONDecoder(parse_float=Decimal)


def _object_record(line: int, value: Any, raw: Any) -> Record:
    if isinstance(value, dict):
        return Record(line, {str(k): v for k, v in value.items()}, raw)
    return Record(line, {}, raw, f"is {type(value).__name__} where an object {{...}} was expected")


def _jsonl_records(source: Source) -> Iterator[Record]:
    for number, text in enumerate(source.text, start=1):
        stripped = text.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            value = _DECODER.decode(stripped)
        except json.JSONDecodeError as exc:
            yield Record(number, {}, text.rstrip("\r\n"), f"is not valid JSON ({exc.msg}, column {exc.colno})")
            continue
        yield _object_record(number, value, value)


def _json_array_records(source: Source) -> Iterator[Record]:
    """Elements of a top-level JSON array, one at a time: the buffer holds at most one element and a chunk."""
    stream, name = source.text, source.info.name
    buffer, pos, line, eof = "", 0, 1, False
    chunk = 1 << 16

    def fill(minimum: int) -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        data = stream.read(max(chunk, minimum))
        if not data:
            eof = True
            return False
        buffer = buffer[pos:] + data
        pos = 0
        return True

    def skip_space() -> str:
        nonlocal pos, line
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n\ufeff":
                line += buffer[pos] == "\n"
                pos += 1
            if pos < len(buffer):
                return buffer[pos]
            if not fill(0):
                return ""

    if skip_space() != "[":
        raise ImportFileError(f"{name}: a JSON import is an array of objects, [{{...}}, ...]")
    pos += 1
    expect = "first"  # first element or "]"; "value" after a comma; "separator" after an element
    while True:
        char = skip_space()
        if char == "]" and expect in ("first", "separator"):
            return
        if char == "":
            raise ImportFileError(f"{name}: the JSON ends before its closing ] (line {line})")
        if expect == "separator":
            if char != ",":
                raise ImportFileError(f"{name} line {line}: expected , or ] between records, found {char!r}")
            pos += 1
            expect = "value"
            continue
        while True:
            try:
                value, end = _DECODER.raw_decode(buffer, pos)
                if end == len(buffer) and not eof and isinstance(value, int | float | Decimal):
                    raise json.JSONDecodeError("number may continue", buffer, end)
                break
            except json.JSONDecodeError as exc:
                if not fill(len(buffer)):
                    raise ImportFileError(f"{name} line {line}: malformed JSON ({exc.msg})") from None
        start_line = line
        line += buffer.count("\n", pos, end)
        raw_text = buffer[pos:end]
        pos = end
        yield _object_record(start_line, value, value if isinstance(value, dict) else raw_text)
        expect = "separator"
