"""Guards on what the csv module accepts in silence: a stray quote, and a header of a million columns.

A lone `"` in a cell makes the csv module read on over line ends until the next quote, or to the end of the
file, and hand back everything in between as one field: rows vanish into a customer's notes and the import
reports success. Each record's physical lines are compared: a record that reaches the end of the file inside
quotes, or that spans far more lines than any other and whose inner lines look like rows of their own, is a
file error naming the line where the quote opened. Nothing is written (the import's one transaction rolls
back when the error is raised, even at the end of the file).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from deskapp.core.io.importing.sources import ImportFileError

MAX_COLUMNS = 1000  # a header wider than this is cut here (a real export has tens of columns, not thousands)
LONG_SPAN = 4  # a record spanning more lines than this, and ...
SPAN_FACTOR = 4  # ... this many times more than any other record, is suspicious


def capped_header(header: list[str], name: str, notices: list[str]) -> list[str]:
    """The first MAX_COLUMNS names; one notice says how many more there were."""
    if len(header) <= MAX_COLUMNS:
        return header
    notices.append(f"{name} has {len(header):,} columns; only the first {MAX_COLUMNS:,} are read, the rest are ignored")
    return header[:MAX_COLUMNS]


def _opening_line(start: int, lines: list[str]) -> int:
    """The line where the field that crosses a line end opened: where the count of quotes first turns odd."""
    quotes = 0
    for offset, text in enumerate(lines):
        quotes += text.count('"')
        if quotes % 2:
            return start + offset
    return start


def _unterminated(lines: list[str], delimiter: str) -> bool:
    """Whether these lines end inside quotes (what the csv module's strict mode calls the end of data)."""
    try:
        for _ in csv.reader(lines, delimiter=delimiter, strict=True):
            pass
    except csv.Error as exc:
        return "end of data" in str(exc)
    return False


class QuoteWatch:
    """The file's lines for the csv reader, keeping the lines of the record being read and the spans seen."""

    def __init__(self, text: Iterator[str], delimiter: str) -> None:
        self._text = text
        self._delimiter = delimiter
        self._lines: list[str] = []
        self._last_multi: tuple[int, list[str]] | None = None
        self._worst: tuple[int, int, bool] = (0, 0, False)  # (span, opening line, inner lines look like rows)
        self._runner_up = 1

    def __iter__(self) -> QuoteWatch:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self._lines.append(line)
        return line

    def start_record(self) -> None:
        self._lines = []

    def end_record(self, start: int, end: int, width: int) -> None:
        span = end - start + 1
        if span <= 1:
            self._last_multi = None
            return
        lines = self._lines
        self._last_multi = (start, lines)
        worst = self._worst[0]
        if span <= worst:
            self._runner_up = max(self._runner_up, span)
            return
        self._runner_up = max(self._runner_up, worst)
        inner = lines[1:]
        row_like = width > 1 and sum(1 for t in inner if t.count(self._delimiter) >= width - 1) * 2 >= len(inner)
        self._worst = (span, _opening_line(start, lines), row_like)

    def check_end(self, name: str) -> None:
        """At the end of the file: refuse it if a quote never closed, or one field swallowed many rows."""
        if self._last_multi is not None:
            start, lines = self._last_multi
            if _unterminated(lines, self._delimiter):
                opened = _opening_line(start, lines)
                raise ImportFileError(
                    f"{name} line {opened}: a quote opened here is never closed (the file ends inside it); "
                    "nothing was imported"
                )
        span, opened, row_like = self._worst
        if span > LONG_SPAN and span > SPAN_FACTOR * self._runner_up and row_like:
            raise ImportFileError(
                f"{name} line {opened}: a quoted field opened here runs over {span} lines, far more than any "
                "other, and holds what look like rows (an unbalanced quote?); nothing was imported"
            )
