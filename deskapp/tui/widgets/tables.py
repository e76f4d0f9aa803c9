"""A DataTable that shows read models: rows replaced in place keep the cursor on the same record.

Live refresh reloads lists every time the desk changes; if the cursor jumped to the top on each reload the
person on the phone would lose their place, so `set_rows` puts it back on the same key (or the same index
when that record has gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

Row = tuple[str, Sequence[Text], Any]
NEAR_END_ROWS = 15  # (key, cells, the read model behind the row)


class DeskTable(DataTable[Text]):
    STICK_TO_TOP = False  # True: a cursor on the first row stays on the first row (newest-first lists)
    BINDINGS = [Binding("enter", "select_cursor", "Open", id="table.open")]

    class NearEnd(Message):
        """The cursor is close to the last loaded row: time to fetch the next page."""

        def __init__(self, table: DeskTable) -> None:
            self.table = table
            super().__init__()

        @property
        def control(self) -> DeskTable:
            return self.table

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.models: dict[str, Any] = {}
        self.has_more = False

    def set_columns(self, *columns: tuple[str, int | None]) -> None:
        """Columns as (label, width or None for auto), added once."""
        if not self.columns:
            for label, width in columns:
                self.add_column(label, width=width, key=label.lower() or None)

    def current_key(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key
        return str(row_key.value) if row_key.value is not None else None

    def current_model(self) -> Any:
        key = self.current_key()
        return self.models.get(key) if key is not None else None

    def set_rows(self, rows: Iterable[Row], *, has_more: bool = False) -> None:
        keep, index = self.current_key(), self.cursor_row
        scroll_y = self.scroll_y
        self.clear()
        self.models = {}
        for key, cells, model in rows:
            self.add_row(*cells, key=key)
            self.models[key] = model
        self.has_more = has_more
        if self.row_count:
            if keep in self.models and not (self.STICK_TO_TOP and index == 0):
                target = self.get_row_index(keep)
            else:
                target = min(max(index, 0), self.row_count - 1)
            self.move_cursor(row=target, animate=False, scroll=False)
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
            self.call_after_refresh(self._keep_cursor_visible)

    def _keep_cursor_visible(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.cursor_row, animate=False, scroll=True)

    def append_rows(self, rows: Iterable[Row], *, has_more: bool) -> None:
        for key, cells, model in rows:
            if key in self.models:
                continue
            self.add_row(*cells, key=key)
            self.models[key] = model
        self.has_more = has_more

    def near_end(self) -> bool:
        return self.has_more and self.cursor_row >= self.row_count - NEAR_END_ROWS

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.near_end():
            self.post_message(self.NearEnd(self))
