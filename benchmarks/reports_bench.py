"""Every report on 100,000 customers and 1,000,000 purchases, beside a raw-SQL baseline measured in the same run.

Usage: /work/venv/bin/python benchmarks/reports_bench.py [--rebuild] [--json-only]

The desk is built once (cached in benchmarks/out/, gitignored) with raw sqlite3 executemany into a migrated
database: purchases follow the BG/NBD story (Poisson buying, dropping out after a purchase) so the model has
something real to fit; stages, churn with reasons, interactions with NPS answers, complaints, owner changes
and birthdays are spread over the customers. Each report then runs three times in a fresh session; the table shows
the first and the best time. Target: every report under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
DB = OUT / "reports_100k.db"
CUSTOMERS = 100_000
PURCHASES = 1_000_000
TODAY = date(2026, 11, 23)
START = datetime(2024, 11, 23, tzinfo=UTC)  # two years of history
SOURCES = ["google", "walk-in", "referral", "instagram", "fair", ""]
OWNERS = ["anna", "bence", "thabo", "oliver", "maria", "li"]
TAGS = ["vip", "newsletter", "b2b", "family", "racing", "ebike", "commuter"]
REASONS = ["not_cared_for", "quality", "competitor", "price", "no_longer_needed", "other"]
TARGET_S = 2.0


def stamp(moment: datetime) -> str:
    """The way SQLAlchemy stores an aware UTC datetime on SQLite (naive UTC text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path) -> None:
    """Create and fill the benchmark desk (about a minute)."""
    import numpy as np

    from deskapp.core.db.engine import open_engine

    if path.exists():
        path.unlink()
    engine = open_engine(path)  # schema via the real migrations
    engine.dispose()
    rng = np.random.default_rng(20261123)
    horizon_weeks = (TODAY - START.date()).days / 7

    # BG/NBD purchase process: first purchase uniform over the first 90 weeks, rate ~ Gamma, dropout ~ Beta.
    first = rng.uniform(0, 90, CUSTOMERS)
    lam = rng.gamma(2.0, 1 / 6.0, CUSTOMERS)
    drop = rng.beta(1.0, 14.0, CUSTOMERS)
    times = [first.copy()]
    now, active = first.copy(), np.ones(CUSTOMERS, dtype=bool)
    while active.any():
        now = now + rng.exponential(1 / lam)
        active &= (now <= horizon_weeks) & (rng.random(CUSTOMERS) >= drop)
        times.append(np.where(active, now, np.nan))
    weeks = np.column_stack(times)
    cust_idx, _ = np.nonzero(~np.isnan(weeks))
    when = weeks[~np.isnan(weeks)]
    if len(when) > PURCHASES:  # keep every first purchase, thin the repeats to exactly one million
        firsts = np.zeros(len(when), dtype=bool)
        firsts[np.unique(cust_idx, return_index=True)[1]] = True
        repeats = np.flatnonzero(~firsts)
        keep = np.concatenate([np.flatnonzero(firsts), rng.choice(repeats, PURCHASES - firsts.sum(), replace=False)])
        cust_idx, when = cust_idx[keep], when[keep]
    amount = np.round(rng.gamma(4.0, 12.0, len(when)) * 100).astype(np.int64) + 100
    has_cost = rng.random(len(when)) < 0.4
    cost = np.where(has_cost, (amount * rng.uniform(0.4, 0.8, len(when))).astype(np.int64), -1)
    seconds = (when * 7 * 86400).astype(np.int64)

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    created = stamp(START)
    first_at = {int(c): int(s) for c, s in zip(cust_idx[::-1], seconds[::-1], strict=True)}
    n_purchases = np.bincount(cust_idx, minlength=CUSTOMERS)
    churned = rng.random(CUSTOMERS) < 0.06
    advocate = (~churned) & (rng.random(CUSTOMERS) < 0.05)

    def stage_of(i: int) -> str:
        if churned[i]:
            return "churned"
        if advocate[i]:
            return "advocacy"
        return "retention" if n_purchases[i] > 1 else "purchase" if n_purchases[i] == 1 else "consideration"

    customers = []
    for i in range(CUSTOMERS):
        tags = ",".join(t for t in TAGS if rng.random() < 0.15)
        birthday = date(1950 + i % 50, 1 + i % 12, 1 + i % 28).isoformat() if i % 3 == 0 else None
        customers.append(
            (
                i + 1, f"Customer {i + 1:06d}", "", f"c{i + 1}@example.com", "", "", "",
                f",{tags}," if tags else "", SOURCES[i % len(SOURCES)], OWNERS[i % len(OWNERS)], stage_of(i),
                birthday, "", "", f"bench:{i + 1}", created, created, 0, 1,
            )
        )  # fmt: skip
    conn.executemany(
        "INSERT INTO customer (id, name, company, email, phone, phone_raw, search_phone, tags, source, owner, stage,"
        " birthday, special_dates, notes, external_id, created_at, updated_at, archived, version)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        customers,
    )
    conn.executemany(
        "INSERT INTO purchase (customer_id, ordered_at, amount, cost, currency, description, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            (
                int(c) + 1,
                stamp(START + timedelta(seconds=int(s))),
                int(a),
                None if k < 0 else int(k),
                "EUR",
                "",
                created,
            )
            for c, s, a, k in zip(cust_idx, seconds, amount, cost, strict=True)
        ),
    )
    changes = []
    for i in range(CUSTOMERS):
        cid = i + 1
        changes.append((cid, None, "awareness", created, "customer created", None, "", 1))
        if i in first_at:
            t = START + timedelta(seconds=first_at[i])
            changes.append((cid, "awareness", "purchase", stamp(t), "first purchase", None, "", 1))
            if n_purchases[i] > 1:
                changes.append(
                    (cid, "purchase", "retention", stamp(t + timedelta(days=30)), "repeat purchase", None, "", 1)
                )
        if churned[i] or advocate[i]:
            to, why = ("churned", REASONS[i % len(REASONS)]) if churned[i] else ("advocacy", None)
            changes.append(
                (cid, "retention", to, stamp(START + timedelta(days=600 + i % 100)), "by hand", why, "anna", 0)
            )
    conn.executemany(
        "INSERT INTO stage_change (customer_id, from_stage, to_stage, at, reason, churn_reason, staff, automatic)"
        " VALUES (?,?,?,?,?,?,?,?)",
        changes,
    )
    interactions = (
        (
            1 + (k * 7919) % CUSTOMERS,
            ["call", "email", "visit"][k % 3],
            "out" if k % 2 else "in",
            stamp(START + timedelta(minutes=(k * 2311) % (730 * 1440))),
            "talked",
            "",
            "anna",
            (k % 11) if k % 5 == 0 else None,
            created,
        )
        for k in range(300_000)
    )
    conn.executemany(
        "INSERT INTO interaction (customer_id, channel, direction, occurred_at, summary, details, staff, score,"
        " created_at) VALUES (?,?,?,?,?,?,?,?,?)",
        interactions,
    )
    conn.executemany(
        "INSERT INTO complaint (customer_id, opened_at, subject, details, category, priority, status, resolution,"
        " owner, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            (1 + (k * 104729) % CUSTOMERS, stamp(START + timedelta(days=k % 730)), "late", "", "delivery", "normal",
             "open" if k % 4 == 0 else "closed", "", "anna", created)
            for k in range(20_000)
        ),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO owner_change (customer_id, from_owner, to_owner, at, staff) VALUES (?,?,?,?,?)",
        (
            (1 + (k * 31) % CUSTOMERS, "anna", "bence", stamp(START + timedelta(days=k % 730)), "anna")
            for k in range(10_000)
        ),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # readers shouldn't wade through a 300 MB WAL
    conn.close()


def _rolled_back(engine: Any, fn: Callable[[Any], Any]) -> Callable[[], Any]:
    """Run a writing report (the sweep) in a transaction that is rolled back, so every run starts equal."""

    def run() -> Any:
        from deskapp.core.db.engine import DeskSession

        session = DeskSession(bind=engine.execution_options(deskapp_write=True))
        try:
            return fn(session)
        finally:
            session.rollback()
            session.close()

    return run


def measure(path: Path) -> dict[str, Any]:
    from deskapp.core.analytics import automation, metrics, predict
    from deskapp.core.analytics.metrics import Period
    from deskapp.core.db.engine import open_engine, session_scope
    from deskapp.core.records.settings import Settings

    os.environ["DESKAPP_NOW"] = f"{TODAY.isoformat()}T09:30:00+00:00"
    settings = Settings()
    engine = open_engine(path)
    year = Period(TODAY - timedelta(days=364), TODAY)

    def baseline() -> Any:
        conn = sqlite3.connect(path)
        try:
            return conn.execute(
                "SELECT customer_id, count(*), sum(amount) FROM purchase GROUP BY customer_id"
            ).fetchall()
        finally:
            conn.close()

    reports: list[tuple[str, Callable[[Any], Any]]] = [
        ("orders (AOV, frequency, margin)", lambda s: metrics.order_figures(s, year, settings)),
        ("simple CLV", lambda s: metrics.simple_clv(s, year, settings)),
        ("historical CLV top 50", lambda s: metrics.historical_clv(s, settings, limit=50)),
        ("retention (E-N)/S", lambda s: metrics.retention_rate(s, year)),
        ("retention by month", lambda s: metrics.retention_by_month(s, year)),
        ("churn rate", lambda s: metrics.churn_rate(s, year)),
        ("churn reasons", lambda s: metrics.churn_reasons(s, year)),
        ("purchase interval", lambda s: metrics.purchase_interval(s)),
        ("NPS", lambda s: metrics.net_promoter_score(s, year)),
        ("NPS by month", lambda s: metrics.nps_by_month(s, year)),
        ("funnel", lambda s: metrics.funnel(s)),
        ("segments by source", lambda s: metrics.segments(s, year, settings, "source")),
        ("segments by tag", lambda s: metrics.segments(s, year, settings, "tag")),
        ("segments by owner", lambda s: metrics.segments(s, year, settings, "owner")),
        ("health: attention list", lambda s: metrics.attention_list(s, settings)),
        ("health: one customer", lambda s: metrics.customer_health(s, 4242, settings)),
        ("owner changes", lambda s: metrics.owner_changes(s)),
        ("at-risk (interval rule)", lambda s: automation.at_risk_customers(s, TODAY, settings, use_model=False)),
        ("at-risk (+ P(alive))", lambda s: automation.at_risk_customers(s, TODAY, settings, use_model=True)),
        ("purchase log (SQL)", lambda s: predict.purchase_log(s, TODAY)),
        ("CLV model (log + BG/NBD + GG)", lambda s: predict.fit_clv_model(s, TODAY)),
    ]
    rows = []
    started = time.perf_counter()
    baseline()
    base_first = time.perf_counter() - started
    started = time.perf_counter()
    baseline()
    base_best = min(base_first, time.perf_counter() - started)
    rows.append({"report": "baseline: raw sqlite3 GROUP BY customer_id", "first_s": base_first, "best_s": base_best})
    for name, fn in reports:
        times = []
        for _ in range(3):
            with session_scope(engine) as session:
                t0 = time.perf_counter()
                fn(session)
                times.append(time.perf_counter() - t0)
        rows.append({"report": name, "first_s": times[0], "best_s": min(times)})

    def two_sweeps(session: Any) -> tuple[float, float, int]:
        t0 = time.perf_counter()
        created = automation.run_sweep(session, TODAY, settings).created()
        t1 = time.perf_counter()
        automation.run_sweep(session, TODAY, settings)  # the everyday case: nothing new to create
        return t1 - t0, time.perf_counter() - t1, created

    first_sweep, steady_sweep, created = _rolled_back(engine, two_sweeps)()
    rows.append({"report": f"sweep, first ever ({created} follow-ups)", "first_s": first_sweep, "best_s": first_sweep})
    rows.append({"report": "sweep, next run (nothing new)", "first_s": steady_sweep, "best_s": steady_sweep})
    with session_scope(engine) as session:
        model = predict.fit_clv_model(session, TODAY)
        counts = {
            t: session.connection().exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("customer", "purchase", "stage_change", "interaction", "complaint", "owner_change")
        }
    engine.dispose()
    for row in rows:
        row["x_baseline"] = row["best_s"] / base_best if base_best else None
        row["under_target"] = row["best_s"] < TARGET_S
    return {
        "load_average": os.getloadavg(),  # the machine is shared: read the figures beside this
        "rows": counts,
        "bgnbd": {k: getattr(model.bgnbd, k) for k in ("r", "alpha", "a", "b")},
        "gamma_gamma": {k: getattr(model.gamma_gamma, k) for k in ("p", "q", "gamma")} if model.gamma_gamma else None,
        "target_s": TARGET_S,
        "reports": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the cached desk.")
    parser.add_argument("--json-only", action="store_true", help="Print only the JSON.")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.rebuild or not DB.exists():
        t0 = time.perf_counter()
        build(DB)
        print(f"built {DB} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    result = measure(DB)
    if not args.json_only:
        print(f"rows: {result['rows']}; load average {result['load_average']}")
        print(f"{'report':<44} {'first s':>8} {'best s':>8} {'x base':>8}  < {TARGET_S:.0f} s")
        for row in result["reports"]:
            mark = "ok" if row["under_target"] else "SLOW"
            print(f"{row['report']:<44} {row['first_s']:>8.3f} {row['best_s']:>8.3f} {row['x_baseline']:>8.1f}  {mark}")
        print()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
