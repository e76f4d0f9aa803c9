"""Backups and restores of a SQLite desk, and the rotating daily backup made when the desk opens.

SQLite's online backup API copies a consistent snapshot while other desks keep working. Every backup is
written to a temporary file beside its target and renamed into place only once it is complete and passes
the integrity check, so an interrupted backup never leaves a half file under the final name. Backups hold
personal data: they are created readable by their owner only.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine

from deskapp.core.db import (
    create_private_file,
    default_data_dir,
    describe_url,
    known_revisions,
    session_scope,
)
from deskapp.core.records import DatabaseError, clock, load_settings

PAGES_PER_STEP = 1024


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    bytes: int
    revision: str | None


def sqlite_path(engine: Engine) -> Path:
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        raise DatabaseError(
            f"{describe_url(engine.url)} is not a SQLite file. On PostgreSQL use pg_dump, e.g. "
            "`pg_dump --format=custom --file desk.dump DBNAME` and `pg_restore --clean --dbname DBNAME desk.dump`."
        )
    return Path(engine.url.database)


def _integrity(path: Path) -> str | None:
    """The desk's schema revision after checking the file; raises when it is not a sound desk database."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path} can't be opened: {exc}") from exc
    try:
        result = con.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise DatabaseError(f"{path} fails the integrity check: {result}")
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or "customer" not in tables:
            raise DatabaseError(f"{path} is not a deskapp database")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
        if revision is not None and revision not in known_revisions():
            raise DatabaseError(f"{path} was made by a newer deskapp (schema {revision})")
        return revision
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} is not a usable database: {exc}") from exc
    finally:
        con.close()


def _copy(source: Path, target: Path) -> None:
    """Online backup of `source` into `target` via a private temporary file renamed at the end."""
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)  # backups hold personal data
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    create_private_file(partial)
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
        dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()
    try:
        _integrity(partial)
    except DatabaseError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    os.chmod(target, 0o600)


def backup(engine: Engine, target: Path | None = None) -> BackupInfo:
    """A consistent copy of the desk, made while others keep working."""
    source = sqlite_path(engine)
    if target is None:
        stamp = clock.now().astimezone().strftime("%Y%m%d-%H%M%S")
        target = backups_dir(source) / f"{source.stem}-{stamp}.db"
    elif target.is_dir():
        target = target / f"{source.stem}-{clock.now().astimezone().strftime('%Y%m%d-%H%M%S')}.db"
    if target.resolve() == source.resolve():
        raise DatabaseError("the backup can't replace the desk itself; choose another path")
    _copy(source, target)
    return BackupInfo(path=target, bytes=target.stat().st_size, revision=_integrity(target))


def restore(engine: Engine, backup_file: Path) -> Path:
    """Replace the desk's contents with a checked backup; the replaced desk is kept beside it first.

    Restoring goes through the backup API into the live file, so desks that have it open see the restored
    data rather than a file swapped under them. Returns where the replaced desk was kept.
    """
    live = sqlite_path(engine)
    if not backup_file.exists():
        raise DatabaseError(f"{backup_file} does not exist")
    _integrity(backup_file)
    kept = live.with_name(f"{live.stem}.replaced-{clock.now().astimezone().strftime('%Y%m%d-%H%M%S')}.db")
    if live.exists():
        _copy(live, kept)
    engine.dispose()
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    dst = sqlite3.connect(live, timeout=15)
    try:
        src.backup(dst, pages=PAGES_PER_STEP)
    finally:
        dst.close()
        src.close()
    _integrity(live)
    return kept


def backups_dir(desk_file: Path) -> Path:
    """Backups of the default desk live in the data directory; others beside their desk file."""
    if desk_file.parent.resolve() == default_data_dir().resolve():
        return default_data_dir() / "backups"
    return desk_file.parent / f"{desk_file.stem}-backups"


def daily_backup(engine: Engine, *, keep: int = 7, today: date | None = None) -> Path | None:
    """Once a day, on open: a dated backup, keeping the newest `keep`. None when today's already exists,
    when turned off (keep=0) or when the desk is not a SQLite file."""
    if keep <= 0 or engine.url.get_backend_name() != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    source = Path(engine.url.database)
    if not source.exists():
        return None
    folder = backups_dir(source)
    day = (today or clock.today()).isoformat()
    target = folder / f"{source.stem}-daily-{day}.db"
    made = None
    if not target.exists():
        _copy(source, target)
        made = target
    dailies = sorted(folder.glob(f"{source.stem}-daily-*.db"))
    for old in dailies[: max(0, len(dailies) - keep)]:
        old.unlink(missing_ok=True)
    return made


def daily_backup_on_open(engine: Engine) -> Path | None:
    """The once-a-day backup a desk makes when it opens, kept per the `daily_backups_kept` setting.

    Never raises: a backup problem must not keep anyone from their desk (the next open tries again)."""

    try:
        with session_scope(engine) as session:
            keep = load_settings(session).daily_backups_kept
        return daily_backup(engine, keep=keep)
    except Exception:  # noqa: BLE001
        return None
