"""Writing batches inside the import's one transaction, as fast as the engine allows.

On SQLite, inserts go straight to the DBAPI cursor's `executemany` (SQLAlchemy Core's executemany runs at
about a quarter of the raw rate, the ORM at 3%), with values converted exactly as the column types would
store them: UTC datetimes as naive "YYYY-MM-DD HH:MM:SS.ffffff", money as integer cents, enums as their
values. Everything else (lookups, updates; inserts on PostgreSQL) uses Core, which is portable and
whose cost is small beside the rows themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Boolean, Date, Enum, Table, Time, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from deskapp.core.io.importing.searchindex import BulkSearchIndex
from deskapp.core.records import Customer, Money, UTCDateTime, table_of, to_money

Converter = Callable[[Any], Any]


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is UTC:  # what the cleaners produce; formatted by hand, a third faster than isoformat
        return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
        )  # fmt: skip
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def parse_moment(value: Any) -> datetime | None:
    """A stored UTC moment as an aware datetime, whether the driver gave text (SQLite) or a datetime."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _sqlite_money(value: Any) -> int | None:
    if value is None:
        return None
    cents = value * 100
    whole = int(cents)
    return whole if whole == cents else int(to_money(value) * 100)  # only a value with more than 2 decimals


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


def _remembering(convert: Converter) -> Converter:
    """The same object as last time (a batch's shared "now") is converted once."""
    last: list[Any] = [object(), None]

    def wrapper(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        result = convert(value)
        last[0], last[1] = value, result
        return result

    return wrapper


def sqlite_converter(column_type: Any) -> Converter:
    if isinstance(column_type, UTCDateTime):
        return _remembering(_sqlite_datetime)
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
        self._cache: Any = None
        self.search = BulkSearchIndex(self)

    def _raw_statement(self, table: Table, columns: tuple[str, ...]) -> tuple[str, list[Converter]]:
        key = (table.name, columns)
        found = self._statements.get(key)
        if found is None:
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in columns)
            converters = [sqlite_converter(table.c[c].type) for c in columns]
            found = self._statements[key] = (f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', converters)
        return found

    def use_large_cache(self, megabytes: int = 128) -> None:
        """A bigger page cache for this transaction: a batch's index updates land on random pages, and with
        SQLite's 2 MB default each one rereads pages from the OS. Put back by `restore_cache`."""
        if self.sqlite:
            self._cache = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
            self.conn.exec_driver_sql(f"PRAGMA cache_size=-{megabytes * 1024}")

    def restore_cache(self) -> None:
        if self.sqlite and self._cache is not None:
            self.conn.exec_driver_sql(f"PRAGMA cache_size={int(self._cache)}")
            self._cache = None

    def _cursor(self) -> Any:
        return self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # None only once closed

    def _sqlite_rows(self, converters: list[Converter], rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
        """Rows in stored form; only the columns that need it are converted (the rest pass as they are)."""
        work = [(i, conv) for i, conv in enumerate(converters) if conv is not _same]
        out = []
        for row in rows:
            values = list(row)
            for i, conv in work:
                values[i] = conv(values[i])
            out.append(values)
        return out

    def insert(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows given as value tuples in `columns` order; returns how many."""
        cols = tuple(columns)
        rows = list(rows)
        if not rows:
            return 0
        if self.sqlite:
            sql, converters = self._raw_statement(table, cols)
            cursor = self._cursor()
            try:
                cursor.executemany(sql, self._sqlite_rows(converters, rows))
            finally:
                cursor.close()
        else:
            self.conn.execute(insert(table), [dict(zip(cols, row, strict=True)) for row in rows])
        return len(rows)

    def fetch_all(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """Rows of a query without parameters, streamed."""
        if self.sqlite:
            return iter(self._cursor().execute(sql))
        return (tuple(r) for r in self.conn.execute(text(sql)))

    def insert_raw(self, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, like: Table) -> None:
        """Insert into a (temporary) table by name, converting values as `like`'s columns would (SQLite)."""
        converters = [sqlite_converter(like.c[c].type) for c in columns]
        sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        cursor = self._cursor()
        try:
            cursor.executemany(sql, self._sqlite_rows(converters, rows))
        finally:
            cursor.close()

    def bump_customers(self, moves: Iterable[tuple[Any, int, int]], now: datetime) -> None:
        """For each (stage, number of moves, id), in id order: set the stage and updated_at, add the moves
        to version. Streams: a million moved customers are never a list in memory."""
        table: Table = table_of(Customer)
        if self.sqlite:
            stamp = _sqlite_datetime(now)
            cursor = self._cursor()
            try:
                cursor.executemany(
                    "UPDATE customer SET stage = ?, version = version + ?, updated_at = ? WHERE id = ?",
                    ((stage.value, n, stamp, cid) for stage, n, cid in moves),
                )
            finally:
                cursor.close()
            return
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(stage=bindparam("stage"), version=table.c.version + bindparam("step"), updated_at=bindparam("at"))
        )
        batch: list[dict[str, Any]] = []
        for stage, n, cid in moves:
            batch.append({"_id": cid, "stage": stage, "step": n, "at": now})
            if len(batch) == 5000:
                self.conn.execute(stmt, batch)
                batch = []
        if batch:
            self.conn.execute(stmt, batch)

    def fetch(self, sql: str, keys: Iterable[Any], *, chunk: int = 500) -> list[tuple[Any, ...]]:
        """Rows of `sql` (with "IN {keys}" for the IN list) for the distinct non-empty keys, as tuples
        of what the driver returns (on SQLite: stored text for times and enums; see `parse_moment`)."""
        # Sorted: the index is then walked in order, page after page, instead of jumping about.
        unique = sorted({k for k in keys if k is not None and k != ""})
        found: list[tuple[Any, ...]] = []
        if not unique:
            return found
        if self.sqlite:
            cursor = self._cursor()
            try:
                for start in range(0, len(unique), chunk):
                    part = unique[start : start + chunk]
                    found.extend(cursor.execute(sql.format(keys=f"({','.join('?' * len(part))})"), part))
            finally:
                cursor.close()
            return found
        # An expanding parameter renders its own parentheses: "IN :keys", not "IN (:keys)".
        stmt = text(sql.format(keys=":keys")).bindparams(bindparam("keys", expanding=True))
        for start in range(0, len(unique), chunk):
            found.extend(tuple(r) for r in self.conn.execute(stmt, {"keys": unique[start : start + chunk]}))
        return found

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
        return int(result.inserted_primary_key[0])  # type: ignore[index]  # typed Optional; a one-row INSERT has one

    def update_rows(self, table: Table, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """UPDATE ... WHERE id = ?, one executemany per set of changed columns."""
        groups: dict[tuple[str, ...], list[tuple[int, dict[str, Any]]]] = {}
        for row_id, values in sorted(changes, key=lambda change: change[0]):  # in id order: neighbouring pages
            groups.setdefault(tuple(sorted(values)), []).append((row_id, values))
        for columns, items in groups.items():
            if self.sqlite:
                sets = ", ".join(f'"{c}" = ?' for c in columns)
                converters = [sqlite_converter(table.c[c].type) for c in (*columns, "id")]
                rows = [[*(values[c] for c in columns), row_id] for row_id, values in items]
                cursor = self._cursor()
                try:
                    cursor.executemany(
                        f'UPDATE "{table.name}" SET {sets} WHERE id = ?', self._sqlite_rows(converters, rows)
                    )
                finally:
                    cursor.close()
                continue
            stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(c, type_=table.c[c].type) for c in columns})
            )
            self.conn.execute(stmt, [{"_id": row_id, **values} for row_id, values in items])

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
