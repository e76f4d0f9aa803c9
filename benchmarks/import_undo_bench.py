"""Undo an import of 100,000 customers and one of 100,000 purchases, beside raw sqlite3 deletes of the same rows.

    python benchmarks/import_undo_bench.py               # 100,000 rows (files shared with import_bench.py)
    python benchmarks/import_undo_bench.py --rows 20000

The desk gets both imports (customers, then purchases, which move stages and add follow-ups); a copy of it
is taken. `deskapp import undo` of the purchases batch, then of the customers batch, is timed on the desk;
the baseline deletes the very same rows from the copy with raw sqlite3 (`DELETE ... WHERE id BETWEEN`, the
search index triggers firing as they do for the undo), with no checks and nothing restored. The ratio is the
price of the checks (later edits, rows added since) and of restoring the moved customers exactly.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.import_bench import NOW, OUT, _fresh_desk, _raw_connection, files  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    from deskapp.core.db.engine import open_engine, session_scope
    from deskapp.core.io.importing import import_file
    from deskapp.core.io.importing.batches import undo_batch
    from deskapp.core.records import clock

    clock.now = lambda: NOW  # type: ignore[assignment]  # the files' dates are relative to NOW
    customers_csv, purchases_csv = files(args.rows)
    desk = _fresh_desk("import_undo_bench.db")
    engine = open_engine(desk)
    imported = {}
    for kind, path in (("customers", customers_csv), ("purchases", purchases_csv)):
        summary = import_file(engine, kind, path, staff="bench")
        imported[kind] = summary
        print(f"imported {summary.counts.rows:,} {kind} in {summary.seconds:.1f} s", file=sys.stderr)
    engine.dispose()
    copy = OUT / "import_undo_bench_raw.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(desk) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)

    engine = open_engine(desk)
    timings = {}
    results = {}
    for kind in ("purchases", "customers"):
        started = time.perf_counter()
        with session_scope(engine, staff="bench", write=True) as session:
            result = undo_batch(session, imported[kind].import_batch)
        timings[kind] = time.perf_counter() - started
        results[kind] = {"removed": result.removed, "restored": result.restored}
    engine.dispose()

    raw = {}
    conn = _raw_connection(copy)
    for kind, tables in (
        ("purchases", ("follow_up", "stage_change", "purchase")),
        ("customers", ("stage_change", "owner_change", "customer", "staff")),
    ):
        ranges = _ranges(desk, imported[kind].import_batch)
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for table in tables:
            for first, last in ranges.get(table, []):
                conn.execute(f"DELETE FROM {table} WHERE id BETWEEN ? AND ?", (first, last))
        conn.execute("COMMIT")
        raw[kind] = time.perf_counter() - started
    conn.close()

    report = {
        "rows": args.rows,
        "undo_seconds": {k: round(v, 2) for k, v in timings.items()},
        "raw_delete_seconds": {k: round(v, 2) for k, v in raw.items()},
        "ratio": {k: round(timings[k] / raw[k], 2) for k in timings},
        "undone": results,
    }
    print(json.dumps(report, indent=2))


def _ranges(desk: Path, batch_id: int) -> dict[str, list[list[int]]]:
    """The inserted id ranges of a batch, from its audit entries (what the raw baseline deletes)."""
    found: dict[str, list[list[int]]] = {}
    with sqlite3.connect(desk) as conn:
        for (changes,) in conn.execute("SELECT changes FROM audit_entry WHERE action = 'import'"):
            payload = json.loads(changes)
            if payload.get("import_batch") == batch_id:
                for table, ranges in payload.get("inserted", {}).items():
                    found.setdefault(table, []).extend(ranges)
    return found


if __name__ == "__main__":
    main()
