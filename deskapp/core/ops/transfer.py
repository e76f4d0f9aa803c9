"""Moving a whole desk between engines (SQLite <-> PostgreSQL) with every record, id and history intact.

Rows are streamed table by table in foreign-key order, in batches, through the model's column types (so
money stays cents and times stay UTC on both sides), into one transaction on the target; the copy only
commits when every table's count matches the source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from deskapp.core.db import audit, describe_url, session_scope, upgrade
from deskapp.core.records import Customer, DatabaseError

_TABLES_REGISTERED = Customer  # loading one table registers them all on SQLModel.metadata, which the copy reads

BATCH = 5000
Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in the table


@dataclass(frozen=True)
class CopyResult:
    counts: dict[str, int]


def desk_tables() -> list[Table]:
    """Every desk table, parents before children (alembic's own table excluded)."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name != "alembic_version"]


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in desk_tables()}


def copy_desk(source: Engine, target: Engine, *, progress: Progress | None = None) -> CopyResult:
    """Copy every record of `source` into the empty desk `target` (migrated first), then check the counts."""
    upgrade(source)
    upgrade(target)
    expected = table_counts(source)
    already = {name: n for name, n in table_counts(target).items() if n}
    if already:
        raise DatabaseError(
            f"{describe_url(target.url)} already holds records ({', '.join(f'{k}: {v}' for k, v in already.items())}); "
            "copy into an empty desk"
        )
    target_is_sqlite = target.url.get_backend_name() == "sqlite"
    with session_scope(target, staff="deskapp-copy", write=True) as session, source.connect() as reader:
        writer = session.connection()
        for table in desk_tables():
            total = expected[table.name]
            done = 0
            result = reader.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key))
            for batch in result.mappings().partitions(BATCH):
                rows = [dict(row) for row in batch]
                if target_is_sqlite and "search_text" in table.c:
                    for row in rows:
                        row["search_text"] = None  # PostgreSQL-only column; FTS5 indexes SQLite
                writer.execute(insert(table), rows)
                done += len(rows)
                if progress:
                    progress(table.name, done, total)
            if progress and total == 0:
                progress(table.name, 0, 0)
        if target.url.get_backend_name() == "postgresql":
            for table in desk_tables():
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    writer.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        got = {t.name: int(writer.execute(select(func.count()).select_from(t)).scalar_one()) for t in desk_tables()}
        if got != expected:
            wrong = {k: (expected[k], got[k]) for k in expected if expected[k] != got[k]}
            raise DatabaseError(f"copy check failed, nothing was written: (source, target) counts differ {wrong}")
        audit.record(
            session, action="copy_in", entity="desk", entity_id=None, changes={"from": describe_url(source.url), **got}
        )
    return CopyResult(counts=expected)
