"""Crash safety: an import killed part-way (SIGKILL, no chance to clean up) leaves all or none of its rows
and a sound database; writers in parallel processes never lose an acknowledged row."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.ops.maintenance import check_desk
from deskapp.core.records.tables import Customer

ROWS = 200_000


def test_killed_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    engine = open_engine(db)
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Already Here", email="here@example.com")
    source = tmp_path / "big.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "name", "email", "phone"])
        for i in range(ROWS):
            out.writerow([f"K{i}", f"Person {i}", f"p{i}@example.com", f"+4670{1000000 + i}"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskapp", "--db", str(db), "import", "customers", str(source), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wal = Path(f"{db}-wal")
    size_at_start = wal.stat().st_size if wal.exists() else 0
    deadline = time.time() + 60
    # Kill once the import has written a good part of its transaction into the WAL.
    while time.time() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > size_at_start + 2_000_000:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed; make the file bigger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine.dispose()
    reopened = open_engine(db)
    with session_scope(reopened) as s:
        count = s.execute(select(func.count()).select_from(Customer)).scalar_one()
    assert count in (1, ROWS + 1)  # all or none of the batch
    assert count == 1  # killed before the commit: none
    report = check_desk(reopened, repair=False)
    assert report.ok, report
    with session_scope(reopened) as s:
        assert customers.search_customers(s, "already here").items
    reopened.dispose()
