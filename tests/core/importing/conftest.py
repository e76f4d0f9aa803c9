"""Helpers for the import tests: the corpus folder, and a snapshot of every table to prove "nothing changed"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

DATA = Path(__file__).resolve().parents[2] / "data" / "import"


@pytest.fixture
def data() -> Path:
    return DATA


def table_snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the search index's content), to compare before and after."""
    with engine.connect() as conn:
        names = sorted(n for n in inspect(conn).get_table_names() if not n.startswith("customer_fts"))
        snapshot = {name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{name}"'))), key=repr) for name in names}
        if conn.dialect.name == "sqlite":
            snapshot["sqlite_master"] = sorted(
                conn.execute(text("SELECT type, name, sql FROM sqlite_master")), key=repr
            )
    return snapshot


@pytest.fixture
def snapshot() -> Callable[[Engine], dict[str, list[tuple[Any, ...]]]]:
    return table_snapshot
