"""Writing batches inside the import's one transaction, as fast as the engine allows.

On SQLite, inserts go straight to the DBAPI cursor's `executemany` (SQLAlchemy Core's executemany runs at
about a quarter of the raw rate, the ORM at 3%), with values converted exactly as the column types would
store them: UTC datetimes as naive "YYYY-MM-DD HH:MM:SS.ffffff", money as integer cents, enums as their
values. Everything else (lookups, updates; inserts on PostgreSQL) uses Core, which is portable and
whose cost is small beside the rows themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, Enum, Table, Time, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from deskapp.core.types import Money, UTCDateTime, to_money

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_money(value: Any) -> int | None:
    return None if value is None else int(to_money(value) * 100)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_time(value: time | None) -> str | None:
    return None if value is None else value.isoformat("microseconds")


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _same(value: Any) -> Any:
    return value


def sqlite_converter(column_type: Any) -> Converter:
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime
    if isinstance(column_type, Money):
        return _sqlite_money
    if isinstance(column_type, Enum):
        return _enum_value
    if isinstance(column_type, Boolean):
        return _bool
    if isinstance(column_type, Date):
        return _sqlite_date
    if isinstance(column_type, Time):
        return _sqlite_time
    return _same


class Store:
    """The connection of the import's transaction, with the fast insert path where there is one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.conn = session.connection()
        self.sqlite = self.conn.dialect.name == "sqlite"
        self._statements: dict[tuple[str, tuple[str, ...]], tuple[str, list[Converter]]] = {}

    def _raw_statement(self, table: Table, columns: tuple[str, ...]) -> tuple[str, list[Converter]]:
        key = (table.name, columns)
        found = self._statements.get(key)
        if found is None:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            converters = [sqlite_converter(table.c[c].type) for c in columns]
            found = self._statements[key] = (f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', converters)
        return found

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows given as value tuples in `columns` order; returns how many."""
        cols = tuple(columns)
        rows = list(rows)
        if not rows:
            return 0
        if self.sqlite:
            sql, converters = self._raw_statement(table, cols)
            pairs = list(zip(converters, range(len(cols)), strict=True))
            cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.executemany(sql, [tuple(conv(row[i]) for conv, i in pairs) for row in rows])
            finally:
                cursor.close()
        else:
            self.conn.execute(insert(table), [dict(zip(cols, row, strict=True)) for row in rows])
        return len(rows)

    def insert_ids(self, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert and return the new ids in row order.

        SQLite gives a table without AUTOINCREMENT the ids max(id)+1, +2, ... and nobody else can write
        while our BEGIN IMMEDIATE transaction holds the lock, so the ids follow from max(id) before and
        after (checked). Other engines answer with RETURNING.
        """
        if not rows:
            return []
        if self.sqlite:
            before = self.scalar(select(func.max(table.c.id))) or 0
            self.insert(table, columns, rows)
            after = self.scalar(select(func.max(table.c.id))) or 0
            if after - before == len(rows):
                return list(range(before + 1, after + 1))
            raise RuntimeError(f"{table.name}: ids of a bulk insert are not contiguous ({before}..{after})")
        cols = tuple(columns)
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        result = self.conn.execute(stmt, [dict(zip(cols, row, strict=True)) for row in rows])
        return [row[0] for row in result]

    def insert_one(self, table: Table, values: dict[str, Any]) -> int:
        result = self.conn.execute(insert(table).values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def update_rows(self, table: Table, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """UPDATE ... WHERE id = ?, one executemany per set of changed columns."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, values in changes:
            groups.setdefault(tuple(sorted(values)), []).append({"_id": row_id, **values})
        for columns, params in groups.items():
            stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(c, type_=table.c[c].type) for c in columns})
            )
            self.conn.execute(stmt, params)

    def scalar(self, stmt: Any) -> Any:
        return self.conn.execute(stmt).scalar()

    def rows(self, stmt: Any) -> list[Any]:
        return list(self.conn.execute(stmt))

    def rows_in(self, stmt_for: Callable[[list[Any]], Any], keys: Iterable[Any], chunk: int = 900) -> list[Any]:
        """Rows of a query over an IN list, in chunks that keep under every engine's parameter limit."""
        found: list[Any] = []
        unique = list(dict.fromkeys(k for k in keys if k is not None))
        for start in range(0, len(unique), chunk):
            found.extend(self.conn.execute(stmt_for(unique[start : start + chunk])))
        return found


def plain(value: Any) -> Any:
    """JSON-able form of a stored value (for audit entries)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
