"""Fixtures shared by every test: a fresh desk database per test, and a fixed clock when asked for."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from deskapp.core import clock
from deskapp.core.db import DeskSession, open_engine, session_scope

FIXED_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


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


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    """A migrated, empty desk in a temporary SQLite file (PostgreSQL when the suite is pointed at one)."""
    url = os.environ.get("DESKAPP_TEST_DB_URL")
    eng = open_engine(url or db_path)
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
