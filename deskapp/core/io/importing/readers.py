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

from deskapp.core.io.importing.quotes import QuoteWatch, capped_header
from deskapp.core.io.importing.sources import ImportFileError, Record, Source
from deskapp.core.io.importing.vcard import read_cards

PEEK_RECORDS = 200  # JSON has no header: the columns are the keys seen in the first records


def open_records(source: Source) -> tuple[list[str], Iterator[Record]]:
    """The column names (for the mapping) and the records, streamed."""
    fmt = source.info.format
    if fmt == "csv":
        return _csv_records(source)
    if fmt == "vcf":
        return _with_keys(read_cards(source.text), source)
    if fmt == "jsonl":
        return _with_keys(_jsonl_records(source), source)
    return _with_keys(_json_array_records(source), source)


def unique_headers(header: list[str]) -> list[str]:
    """Blank names numbered, repeated ones suffixed " (2)", " (3)"...: one pass with a set and a counter per
    name (a wide file repeats names thousands of times; rescanning the list for each made it quadratic)."""
    out: list[str] = []
    taken: set[str] = set()
    next_suffix: dict[str, int] = {}
    for i, name in enumerate(header):
        clean = name.replace("\ufeff", "").strip() or f"column {i + 1}"
        candidate, n = clean, next_suffix.get(clean, 2)
        while candidate in taken:
            candidate, n = f"{clean} ({n})", n + 1
        next_suffix[clean] = n
        taken.add(candidate)
        out.append(candidate)
    return out


def _csv_records(source: Source) -> tuple[list[str], Iterator[Record]]:
    delimiter = source.info.delimiter or ","
    lines = QuoteWatch(source.text, delimiter)
    reader = csv.reader(lines, delimiter=delimiter)
    name = source.info.name
    try:
        first = next(reader)
    except StopIteration:
        raise ImportFileError(f"{name} has no header row") from None
    except csv.Error as exc:
        raise ImportFileError(f"{name} line 1: {exc}") from None
    header = unique_headers(capped_header(first, name, source.info.notices))
    lines.end_record(1, reader.line_num, len(first))

    def rows() -> Iterator[Record]:
        width = len(first)  # a capped header still counts its cut columns: such rows are not too wide
        previous = reader.line_num
        while True:
            lines.start_record()
            try:
                row = next(reader)
            except StopIteration:
                lines.check_end(name)
                return
            except csv.Error as exc:
                raise ImportFileError(f"{name} line {reader.line_num}: {exc}") from None
            line, previous = previous + 1, reader.line_num
            lines.end_record(line, previous, width)
            if not row or not any(cell.strip() for cell in row):
                continue
            problem = None
            if len(row) > width and any(cell.strip() for cell in row[width:]):
                problem = f"has {len(row)} cells but the header has {width}"
            yield Record(line, dict(zip(header, row, strict=False)), row, problem)

    return header, rows()


def _with_keys(records: Iterator[Record], source: Source) -> tuple[list[str], Iterator[Record]]:
    """Peek at the first records for their keys (JSON and vCard have no header row)."""
    head = list(itertools.islice(records, PEEK_RECORDS))
    keys: dict[str, None] = {}
    for record in head:
        keys.update(dict.fromkeys(record.values))
    return capped_header(list(keys), source.info.name, source.info.notices), itertools.chain(head, records)


_DECODER = json.JSONDecoder(parse_float=Decimal)


def _decode(name: str, line: int, text: str, pos: int | None = None) -> Any:
    """One JSON value (with where it ends when `pos` is given); nesting too deep for the parser is a file error."""
    try:
        return _DECODER.decode(text) if pos is None else _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise ImportFileError(
            f"{name} line {line}: the JSON is nested too deeply to be records (objects hold fields, not "
            "thousands of levels of brackets)"
        ) from None


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
            value = _decode(source.info.name, number, stripped)
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
                value, end = _decode(name, line, buffer, pos)
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
