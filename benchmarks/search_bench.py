"""Search and due-follow-ups latency on a large desk, beside a plain LIKE '%text%' scan in the same run.

    python benchmarks/search_bench.py [--customers 100000] [--interactions 1000000] [--json]

Prints a table and a JSON line. Target (issue 2): search p95 under 20 ms at 100,000 customers.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._desk_builder import FIRST, LAST, build_desk  # noqa: E402

QUERIES_PER_KIND = 60


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(fn, runs: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in runs:
        t = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    args = parser.parse_args()

    from deskapp.core.activity import reminders
    from deskapp.core.customers import service as customers
    from deskapp.core.db.engine import open_engine, session_scope
    from deskapp.core.records.validation import fold

    path = build_desk(args.customers, args.interactions)
    rng = random.Random(1)
    names = [rng.choice(FIRST + LAST) for _ in range(QUERIES_PER_KIND)]
    queries = [fold(n)[: rng.randint(3, 6)] for n in names] + [
        f"{rng.choice(FIRST)} {rng.choice(LAST)[:3]}" for _ in range(QUERIES_PER_KIND)
    ]

    engine = open_engine(path)
    with session_scope(engine) as s:
        customers.search_customers(s, "warm up")
        search_ms = timed(lambda q: customers.search_customers(s, q, limit=50), queries)
        due_ms = timed(lambda _q: reminders.due_follow_ups(s, days=7, limit=200), ["x"] * 30)
    engine.dispose()

    raw = sqlite3.connect(path)
    like_sql = (
        "SELECT id, name FROM customer WHERE name LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\' ORDER BY name LIMIT 50"
    )
    like_ms = timed(lambda q: raw.execute(like_sql, (f"%{q}%", f"%{q}%")).fetchall(), [fold(n)[:4] for n in names[:30]])
    raw.close()

    result = {
        "customers": args.customers,
        "interactions": args.interactions,
        "search_ms": {"median": statistics.median(search_ms), "p95": percentile(search_ms, 95), "n": len(search_ms)},
        "due_follow_ups_ms": {"median": statistics.median(due_ms), "p95": percentile(due_ms, 95)},
        "baseline_like_ms": {"median": statistics.median(like_ms), "p95": percentile(like_ms, 95)},
    }
    result["search_p95_vs_like_median"] = result["search_ms"]["p95"] / result["baseline_like_ms"]["median"]
    result["target_search_p95_under_20ms"] = result["search_ms"]["p95"] < 20
    if not args.json:
        print(f"{'measure':<34}{'median ms':>12}{'p95 ms':>12}")
        for label, key in (
            ("search (FTS5, ranked, page of 50)", "search_ms"),
            ("due follow-ups (7 days)", "due_follow_ups_ms"),
            ("baseline: LIKE '%text%' scan", "baseline_like_ms"),
        ):
            print(f"{label:<34}{result[key]['median']:>12.2f}{result[key]['p95']:>12.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
