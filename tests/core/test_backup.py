"""Backups: consistent, private, checked; restores keep what they replace; interrupted backups leave nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.ops.backup import backup, backups_dir, daily_backup, restore
from deskapp.core.ops.maintenance import check_desk
from deskapp.core.records.errors import DatabaseError


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "desk.db")
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Before Backup")
    yield engine
    engine.dispose()


def names(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return [r.name for r in customers.search_customers(s, limit=100)]


def test_backup_is_private_checked_and_restorable(desk: Engine, tmp_path: Path) -> None:
    info = backup(desk, tmp_path / "copy.db")
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600
    assert info.revision is not None
    with session_scope(desk, write=True) as s:
        customers.create_customer(s, name="After Backup")
    kept = restore(desk, info.path)
    assert names(desk) == ["Before Backup"]
    assert names(open_engine(kept)) == ["After Backup", "Before Backup"]


def test_backup_while_another_desk_writes(desk: Engine, tmp_path: Path) -> None:
    with session_scope(desk, write=True) as s:
        customers.create_customer(s, name="Uncommitted Yet")
        info = backup(desk, tmp_path / "during.db")  # a consistent snapshot: without the open transaction
    assert "Uncommitted Yet" not in names(open_engine(info.path))


@pytest.mark.parametrize("bad", [b"", b"not a database" * 50])
def test_restore_refuses_a_bad_file_and_changes_nothing(desk: Engine, tmp_path: Path, bad: bytes) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(bad)
    with pytest.raises(DatabaseError):
        restore(desk, junk)
    assert names(desk) == ["Before Backup"]


def test_restore_refuses_a_database_that_is_not_a_desk(desk: Engine, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(DatabaseError, match="not a deskapp database"):
        restore(desk, other)


def test_daily_backup_rotates(desk: Engine) -> None:
    for day in range(1, 6):
        assert daily_backup(desk, keep=3, today=date(2026, 11, day)) is not None
    assert daily_backup(desk, keep=3, today=date(2026, 11, 5)) is None  # once a day
    folder = backups_dir(Path(str(desk.url.database)))
    assert sorted(p.name for p in folder.glob("*.db")) == [
        "desk-daily-2026-11-03.db",
        "desk-daily-2026-11-04.db",
        "desk-daily-2026-11-05.db",
    ]
    assert daily_backup(desk, keep=0) is None


def test_postgres_backup_says_how(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    with pytest.raises(DatabaseError, match="pg_dump"):
        backup(create_engine("postgresql+psycopg://u@localhost/db"), tmp_path / "x.db")


SLOW_BACKUP = """
import sqlite3, sys, time
from pathlib import Path
import deskapp.core.ops.backup as b
real_connect = sqlite3.connect
class Slow:
    def __init__(self, *a, **k): self.c = real_connect(*a, **k)
    def backup(self, target, pages=-1, progress=None):
        self.c.backup(target.c if isinstance(target, Slow) else target, pages=1, progress=lambda *x: time.sleep(0.01))
    def __getattr__(self, name): return getattr(self.c, name)
b.sqlite3 = type("M", (), {"connect": Slow, "Error": sqlite3.Error, "DatabaseError": sqlite3.DatabaseError})
from deskapp.core.db.engine import open_engine
print("start", flush=True)
b.backup(open_engine(sys.argv[1]), Path(sys.argv[2]))
"""


def test_a_killed_backup_leaves_no_file_and_the_desk_sound(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "big.db")
    with session_scope(engine, write=True) as s:
        for i in range(300):
            customers.create_customer(s, name=f"Customer {i}", notes="x" * 2000)
    target = tmp_path / "killed.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_BACKUP, str(tmp_path / "big.db"), str(target)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
    partial = tmp_path / ".killed.db.partial"
    deadline = time.time() + 20
    while not (partial.exists() and partial.stat().st_size > 0) and time.time() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()
    assert check_desk(engine, repair=False).ok
    info = backup(engine, target)  # and the next backup works, leftovers cleaned
    assert info.path == target and not partial.exists()
    engine.dispose()
