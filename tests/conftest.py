"""Fixtures shared by every test: a fresh desk database per test, and a fixed clock when asked for."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.db.engine import DeskSession, make_engine, open_engine, resolve_url, session_scope
from deskapp.core.records import clock

FIXED_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


class _Saved(Protocol):
    @property
    def id(self) -> int | None: ...


def ident(row: _Saved) -> int:
    """A saved row's id: typed optional on the table (None until the row is flushed), known here."""
    assert row.id is not None
    return row.id


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real desk or depends on who runs it."""
    home = tmp_path_factory.mktemp("deskhome")
    monkeypatch.setenv("DESKAPP_HOME", str(home))
    monkeypatch.delenv("DESKAPP_DB", raising=False)
    monkeypatch.setenv("DESKAPP_USER", "tester")
    monkeypatch.delenv("DESKAPP_NOW", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    if hasattr(__import__("time"), "tzset"):
        __import__("time").tzset()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


POSTGRES_URL = os.environ.get("DESKAPP_TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgres"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests that use the `engine` fixture run on SQLite always and on PostgreSQL when
    DESKAPP_TEST_POSTGRES_URL is set (the TUI tests stay on SQLite: the screens don't care)."""
    if "engine" in metafunc.fixturenames and "tests/tui" not in str(metafunc.definition.path):
        kinds = ENGINES if POSTGRES_URL else ["sqlite"]
        only = metafunc.definition.get_closest_marker("engines")  # a behaviour only one engine has
        if only is not None:
            kinds = [k for k in kinds if k in only.args]
        metafunc.parametrize("engine", kinds, indirect=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not POSTGRES_URL:
        raise pytest.UsageError("CI must set DESKAPP_TEST_POSTGRES_URL: PostgreSQL tests never skip in CI")


@contextmanager
def postgres_schema_engine() -> Iterator[Engine]:
    """A migrated desk in a fresh schema of the test PostgreSQL database, dropped afterwards."""
    from sqlalchemy import text

    from deskapp.core.db.engine import upgrade

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(resolve_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:  # once per database, in public, so every test schema finds its operator classes
        with admin.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except Exception:
        pass  # another worker created it at the same moment
    eng = make_engine(resolve_url(POSTGRES_URL), connect_args={"options": f"-csearch_path={schema},public"})
    try:
        upgrade(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty desk migrated to head, made once per test process: running Alembic for every test costs
    more than the test. Checkpointed, so the file alone holds the schema."""
    path = tmp_path_factory.mktemp("template") / "desk.db"
    eng = open_engine(path)
    with eng.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


def copy_of_template(template: Path, target: Path) -> Engine:
    """A desk of its own at `target`, as `open_engine` would leave a new file (same engine settings), without
    migrating again."""
    shutil.copy(template, target)  # the contents and the owner-only mode
    return make_engine(resolve_url(target))


@pytest.fixture
def engine(request: pytest.FixtureRequest, db_path: Path, desk_template: Path) -> Iterator[Engine]:
    """A migrated, empty desk: a temporary SQLite file (a copy of the template), or its own PostgreSQL
    schema."""
    if getattr(request, "param", "sqlite") == "postgres":
        with postgres_schema_engine() as eng:
            yield eng
        return
    eng = copy_of_template(desk_template, db_path)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[DeskSession]:
    """A write session as staff member "tester", committed at the end of the test."""
    with session_scope(engine, staff="tester", write=True) as s:
        yield s


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Fix the desk's clock at 2026-11-23 09:30 UTC (a Monday)."""
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    return FIXED_NOW


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many tests ran on each engine, so a CI log shows PostgreSQL was really exercised."""
    outcomes: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "error", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") != "call" and outcome == "passed":
                continue
            engine = "postgres" if "[postgres" in nodeid else "sqlite" if "[sqlite" in nodeid else None
            if engine:
                outcomes.setdefault(engine, {}).setdefault(outcome, 0)
                outcomes[engine][outcome] += 1
    for engine, counts in sorted(outcomes.items()):
        terminalreporter.write_line(
            f"engine-parametrised tests on {engine}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
        )
