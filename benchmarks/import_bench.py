"""Import 1,000,000 customers and 1,000,000 purchases from CSV, beside raw sqlite3.executemany of the same rows.

    python benchmarks/import_bench.py            # full size (files cached in benchmarks/out/)
    python benchmarks/import_bench.py --rows 50000

Each measurement runs in its own process, so its peak RSS is its own. The raw baseline inserts rows that
are already in their stored form (parsed and resolved before the clock starts) into a freshly migrated desk
with the same schema, indexes and search triggers, in one transaction: the database's own cost. The import
is the real thing: `deskapp.core.io.importing.import_file` with full validation, on the CSV files.
Targets (issue 4, this 2-core machine): customers >= 20,000 rows/s; purchases >= 1/3 of the raw rate;
peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
SEED = 20261123
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

FIRST = ["Anna", "Åsa", "Erik", "Ödön", "Zsófia", "Mikko", "Aino", "Thabo", "Naledi", "Oliver", "Emily", "Bence"]
FIRST += ["Lars", "Karin", "Jukka", "Sipho", "Grace", "Harry", "Réka", "Lindiwe", "Sanna", "Pieter"]
LAST = ["Lindqvist", "Kovács", "Virtanen", "Nkosi", "Smith", "Berg", "Nagy", "Korhonen", "Dlamini", "Jones"]
LAST += ["Johansson", "Tóth", "Mäkinen", "van der Merwe", "Taylor", "Szabó", "Nieminen", "Brown"]
DOMAINS = [
    "gmail.com",
    "outlook.com",
    "telia.se",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "elisa.fi",
    "mweb.co.za",
    "bt.com",
]
DOMAINS += [f"firm{i}.example.com" for i in range(30)]
TAGS = ["vip", "newsletter", "commuter", "racing", "family", "b2b", "repair-plan", "ebike"]
SOURCES = ["referral", "walk-in", "google", "instagram", "facebook", "newsletter", "event", "partner"]
PRODUCTS = ["Service", "Winter tyres", "Helmet", "Lights", "Gravel bike", "E-bike battery", "Pannier bags", "Chain"]


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isalnum()).lower()


def _phone(rng: random.Random) -> str:
    style = rng.randrange(6)
    a, b, c, d = rng.randint(100, 999), rng.randint(10, 99), rng.randint(10, 99), rng.randint(1000, 9999)
    if style == 0:
        return f"+46 70-{a} {b} {c}"
    if style == 1:
        return f"+4673{a}{b}{c}"
    if style == 2:
        return f"07{rng.choice('4578')}{rng.randint(10, 99)} {rng.randint(100000, 999999)}"  # UK mobile (region GB)
    if style == 3:
        return f"+36 70 {a} {d}"
    if style == 4:
        return f"+358 40 {a}{d}"
    return f"+27 82 {a} {d}"


def make_customers(path: Path, rows: int) -> None:
    rng = random.Random(SEED)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["external_id", "name", "company", "email", "phone", "tags", "source", "owner"]
            + ["birthday", "notes", "created_at"]
        )
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{_ascii(first)}.{_ascii(last)}{i}@{rng.choice(DOMAINS)}" if rng.random() < 0.95 else ""
            phone = _phone(rng) if rng.random() < 0.75 else ""
            tags = ";".join(rng.sample(TAGS, rng.randint(0, 3)))
            born = datetime(1950, 1, 1) + timedelta(days=rng.randint(0, 20000))
            birthday = (
                (born.strftime("%d.%m.%Y") if rng.random() < 0.5 else born.date().isoformat())
                if rng.random() < 0.5
                else ""
            )
            created = NOW - timedelta(days=rng.randint(30, 900), seconds=rng.randint(0, 86399))
            out.writerow(
                [
                    f"C{i:07d}",
                    f"{first} {last}",
                    f"{last} AB" if rng.random() < 0.3 else "",
                    email,
                    phone,
                    tags,
                    rng.choice(SOURCES),
                    rng.choice(["anna", "bence", "thabo", "oliver"]),
                    birthday,
                    "Prefers mornings; ask about the e-bike" if rng.random() < 0.2 else "",
                    created.strftime("%Y-%m-%d %H:%M:%S"),
                ]
            )


def make_purchases(path: Path, rows: int, customers: int) -> None:
    rng = random.Random(SEED + 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["external_id", "customer_external_id", "ordered_at", "amount", "cost", "currency", "description"])
        for i in range(rows):
            moment = NOW - timedelta(seconds=rng.randint(3600, 730 * 86400))
            cents = rng.randint(500, 250000)
            amount = f"{cents // 100}.{cents % 100:02d}" if rng.random() < 0.9 else f"{cents // 100},{cents % 100:02d}"
            cost = f"{cents * 55 // 10000}.{cents * 55 // 100 % 100:02d}" if rng.random() < 0.7 else ""
            out.writerow(
                [
                    f"P{i:08d}",
                    f"C{rng.randrange(customers):07d}",
                    moment.strftime("%Y-%m-%d %H:%M:%S"),
                    amount,
                    cost,
                    "EUR",
                    rng.choice(PRODUCTS),
                ]
            )


def files(rows: int) -> tuple[Path, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    customers, purchases = OUT / f"customers_{rows}.csv", OUT / f"purchases_{rows}.csv"
    if not customers.exists():
        make_customers(customers, rows)
    if not purchases.exists():
        make_purchases(purchases, rows, rows)
    return customers, purchases


# --- phases (each in its own process) ------------------------------------------------------------------------


def _fresh_desk(name: str) -> Path:
    from deskapp.core.db.engine import open_engine

    path = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_engine(path).dispose()
    return path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _raw_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def _stamp(text: str) -> str:
    """The stored form of a local 'YYYY-MM-DD HH:MM:SS' (this benchmark runs with TZ=UTC)."""
    return f"{text}.000000"


def _customer_tuples(path: Path, chunk: int = 50_000):  # type: ignore[no-untyped-def]
    now = NOW.replace(tzinfo=None).isoformat(" ", "microseconds")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch = []
        for ext, name, company, email, phone, tags, source, owner, birthday, notes, created in reader:
            tag_text = f",{tags.replace(';', ',')}," if tags else ""
            day = birthday if "-" in birthday or not birthday else "-".join(reversed(birthday.split(".")))
            batch.append(
                (name, company, email, phone, phone, phone, tag_text, source, owner, "awareness", None)
                + (day or None, "", notes, ext, _stamp(created), now, 0, 1)
            )
            if len(batch) == chunk:
                yield batch
                batch = []
        yield batch


def phase_raw_customers(csv_path: Path) -> dict[str, float]:
    db = _fresh_desk("import_bench_raw.db")
    conn = _raw_connection(db)
    sql = (
        "INSERT INTO customer (name, company, email, phone, phone_raw, search_phone, tags, source, owner, stage, "
        "cadence_days, birthday, special_dates, notes, external_id, created_at, updated_at, archived, version) "
        "VALUES (" + ",".join("?" * 19) + ")"
    )
    rows, spent = 0, 0.0
    conn.execute("BEGIN IMMEDIATE")
    for batch in _customer_tuples(csv_path):
        t = time.perf_counter()
        conn.executemany(sql, batch)
        spent += time.perf_counter() - t
        rows += len(batch)
    t = time.perf_counter()
    conn.execute("COMMIT")
    spent += time.perf_counter() - t
    return {"rows": rows, "seconds": spent, "rows_per_second": rows / spent, "peak_mb": _peak_mb()}


def phase_raw_purchases(csv_path: Path) -> dict[str, float]:
    db = OUT / "import_bench_raw.db"  # holds the raw customers, ids 1..N in file order
    conn = _raw_connection(db)
    sql = (
        "INSERT INTO purchase (customer_id, ordered_at, amount, cost, currency, description, external_id, "
        "created_at) VALUES (?,?,?,?,?,?,?,?)"
    )
    now = NOW.replace(tzinfo=None).isoformat(" ", "microseconds")
    rows, spent = 0, 0.0
    conn.execute("BEGIN IMMEDIATE")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[tuple[object, ...]] = []
        for ext, customer, ordered, amount, cost, currency, description in reader:
            cents = int(amount.replace(",", "").replace(".", ""))
            cost_cents = int(cost.replace(".", "")) if cost else None
            batch.append((int(customer[1:]) + 1, _stamp(ordered), cents, cost_cents, currency, description, ext, now))
            if len(batch) == 50_000:
                t = time.perf_counter()
                conn.executemany(sql, batch)
                spent += time.perf_counter() - t
                rows += len(batch)
                batch = []
        t = time.perf_counter()
        conn.executemany(sql, batch)
        conn.execute("COMMIT")
        spent += time.perf_counter() - t
        rows += len(batch)
    return {"rows": rows, "seconds": spent, "rows_per_second": rows / spent, "peak_mb": _peak_mb()}


def phase_import(kind: str, csv_path: Path, fresh: bool) -> dict[str, object]:
    from deskapp.core.db.engine import open_engine
    from deskapp.core.io.importing import import_file
    from deskapp.core.records import clock

    clock.now = lambda: NOW  # type: ignore[assignment]  # the files' dates are relative to NOW
    db = _fresh_desk("import_bench_desk.db") if fresh else OUT / "import_bench_desk.db"
    engine = open_engine(db)
    summary = import_file(engine, kind, csv_path, staff="bench")
    engine.dispose()
    return {
        "rows": summary.counts.rows,
        "seconds": summary.seconds,
        "rows_per_second": summary.rows_per_second,
        "timings": summary.timings,
        "counts": summary.counts.as_dict(),
        "committed": summary.committed,
        "peak_mb": _peak_mb(),
    }


def run_phase(name: str, rows: int) -> dict[str, Any]:
    env = {**os.environ, "TZ": "UTC", "PYTHONPATH": str(HERE.parent)}
    done = subprocess.run(
        [sys.executable, __file__, "--rows", str(rows), "--phase", name], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    customers, purchases = files(args.rows)
    if args.phase:
        result = {
            "raw_customers": lambda: phase_raw_customers(customers),
            "raw_purchases": lambda: phase_raw_purchases(purchases),
            "import_customers": lambda: phase_import("customers", customers, fresh=True),
            "import_purchases": lambda: phase_import("purchases", purchases, fresh=False),
        }[args.phase]()
        print(json.dumps(result, default=str))
        return
    results = {
        name: run_phase(name, args.rows)
        for name in ("raw_customers", "raw_purchases", "import_customers", "import_purchases")
    }
    report(results, args.rows)


def report(results: dict[str, dict[str, Any]], rows: int) -> None:
    raw_c, raw_p = results["raw_customers"], results["raw_purchases"]
    imp_c, imp_p = results["import_customers"], results["import_purchases"]
    ratio = imp_p["rows_per_second"] / raw_p["rows_per_second"]
    checks = {
        "customers >= 20,000 rows/s": imp_c["rows_per_second"] >= 20_000,
        "purchases >= 1/3 of raw": ratio >= 1 / 3,
        "peak RSS < 300 MB": max(imp_c["peak_mb"], imp_p["peak_mb"]) < 300,
    }
    print(f"\nImport benchmark: {rows:,} customers and {rows:,} purchases from CSV (TZ=UTC)\n")
    head = ("rows/s", "seconds", "parse", "validate", "database", "(rules)", "peak MB")
    print(f"{'':18}" + "".join(f"{h:>10}" for h in head))
    rows_out = (
        ("raw customers", raw_c),
        ("import customers", imp_c),
        ("raw purchases", raw_p),
        ("import purchases", imp_p),
    )
    for label, r in rows_out:
        t = r.get("timings") or {}
        cells = [f"{r['rows_per_second']:,.0f}", f"{r['seconds']:.1f}"]
        cells += [f"{t[k]:.1f}" if k in t else "-" for k in ("read", "validate", "write", "lifecycle")]
        cells.append(f"{r['peak_mb']:.0f}")
        print(f"{label:18}" + "".join(f"{c:>10}" for c in cells))
    for label, r in (("customers", imp_c), ("purchases", imp_p)):
        c = r["counts"]
        print(
            f"  import {label}: {c['inserted']:,} inserted, {c['stage_changes']:,} stage changes, "
            f"{c['follow_ups_created']:,} follow-ups, committed={r['committed']}"
        )
    print("  (raw: executemany of rows already in stored form into the same schema; no validation, no rules)")
    print(
        f"\npurchases import / raw: {ratio:.2f}   "
        + "   ".join(f"{k}: {'ok' if v else 'MISSED'}" for k, v in checks.items())
    )
    payload = {"rows": rows, "results": results, "purchases_vs_raw": ratio, "checks": checks}
    (OUT / "import_bench.json").write_text(json.dumps(payload, indent=2, default=str))
    print(json.dumps(payload, default=str))


if __name__ == "__main__":
    main()
