"""What killed backups leave behind, and restores that can't work: cleaned up, and refused before asking."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.db.engine import open_engine
from deskapp.core.ops.backup import backup, backups_dir, daily_backup


def _desk(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    open_engine(path).dispose()
    return path


def _stale_partial(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.partial"
    partial.write_bytes(b"everyone's personal data" * 100)
    old = time.time() - 24 * 3600  # killed yesterday
    os.utime(partial, (old, old))
    return partial


def test_the_next_backup_removes_partials_killed_backups_left(tmp_path: Path) -> None:
    path = _desk(tmp_path)
    killed = _stale_partial(backups_dir(path), "desk-20261130-101010.db")
    kept_copy = _stale_partial(tmp_path, "desk.replaced-20261130-101010.db")
    fresh = backups_dir(path) / ".desk-20261201-090000.db.partial"
    fresh.write_bytes(b"a backup being written right now")
    engine = open_engine(path)
    try:
        backup(engine)
    finally:
        engine.dispose()
    assert not killed.exists() and not kept_copy.exists()
    assert fresh.exists()  # another desk's backup in progress is left alone


def test_opening_the_desk_removes_them_too(tmp_path: Path) -> None:
    path = _desk(tmp_path)
    killed = _stale_partial(backups_dir(path), "desk-daily-2026-11-30.db")
    engine = open_engine(path)
    try:
        daily_backup(engine)
    finally:
        engine.dispose()
    assert not killed.exists()


def test_restore_refuses_a_newer_backup_before_asking(tmp_path: Path) -> None:
    path = _desk(tmp_path)
    newer = tmp_path / "newer.db"
    shutil.copy(path, newer)
    with sqlite3.connect(newer) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.close()
    result = CliRunner().invoke(app, ["--db", str(path), "restore", str(newer)], input="y\n")
    assert result.exit_code == 2
    assert "Replace" not in result.output
    assert "newer deskapp" in result.output
