"""Freeze a desk made by the current schema as a test fixture, so every later version proves it can open it.

    python tools/make_schema_fixture.py

Writes tests/data/schemas/desk-<revision>.db (the sample business loaded on 2026-11-23, plus
a customer with every optional field) and its row counts beside it. Run once per released schema; never
regenerate an existing fixture: it stands for the databases people already have.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from deskapp.core.activity import service as activity
    from deskapp.core.customers import service as customers
    from deskapp.core.db.engine import head_revision, open_engine, session_scope
    from deskapp.core.io.sample import load_sample
    from deskapp.core.ops.transfer import table_counts
    from deskapp.core.records import clock

    revision = head_revision()
    target = ROOT / "tests" / "data" / "schemas" / f"desk-{revision}.db"
    if target.exists():
        raise SystemExit(f"{target} exists: fixtures of released schemas are never regenerated")
    target.parent.mkdir(parents=True, exist_ok=True)
    clock.now = lambda: datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # type: ignore[assignment]
    engine = open_engine(target)
    load_sample(engine, today=date(2026, 11, 23))
    with session_scope(engine, staff="fixture", write=True) as s:
        c = customers.create_customer(
            s,
            name="Zoë Ångström-Nagy",
            company="Fixture & Co",
            email="zoe@example.com",
            phone="+44 7911 123456",
            tags="vip; fixture",
            source="event",
            cadence_days=21,
            birthday="1988-02-29",
            special_dates=[{"label": "shop anniversary", "date": "2020-05-01"}],
            notes="every optional field set",
            external_id="FIX-1",
        )
        activity.record_purchase(s, c.id, amount="99.90", cost="40", description="fixture order", external_id="FIXP-1")
        activity.log_interaction(s, c.id, channel="visit", direction="in", summary="came by", score=10)
    counts = table_counts(engine)
    engine.dispose()
    raw = sqlite3.connect(target)  # one self-contained file: fold the WAL back in
    raw.execute("PRAGMA journal_mode=DELETE")
    raw.close()
    (target.with_suffix(".counts.json")).write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    print(f"wrote {target} ({target.stat().st_size} bytes): {counts}")


if __name__ == "__main__":
    main()
