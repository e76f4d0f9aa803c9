"""Builds large desks for the benchmarks fast (raw sqlite3 executemany into the migrated schema; the FTS
triggers index customers as they go). Cached under benchmarks/out/ by size, so reruns skip the build."""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"

FIRST = (
    "Åsa Ödön Anna Sipho Thandiwe Pieter Oliver Siobhan Zsófia Gergő Aino Mikko Eero Bence Lars Ingrid Noah Emma"
    " Liam Olivia Kgosi Lerato Nomvula Jukka Päivi Réka Dávid Ákos Björn Maja"
).split()
LAST = (
    "Lindqvist Kovács Berg Nkosi Merwe Smith Jones Taylor Virtanen Korhonen Nieminen Tóth Szabó Horváth Nagy"
    " Dlamini Mokoena Botha Andersson Johansson Karlsson Nilsson Brown Wilson Evans Mäkinen Hämäläinen Fekete"
    " Lakatos Ndlovu"
).split()
COMPANIES = ["", "", "", "Spoke & Chain Ltd", "Kovács és Társa Kft.", "Pyöräkuri Oy", "Cape Cycles", "Nordic Gear AB"]
INSERT_INTERACTION = (
    "INSERT INTO interaction (customer_id, channel, direction, occurred_at, summary, details, staff, created_at)"
    " VALUES (?,?,?,?,?,?,?,?)"
)
INSERT_PURCHASE = (
    "INSERT INTO purchase (customer_id, ordered_at, amount, cost, currency, description, created_at)"
    " VALUES (?,?,?,?,?,?,?)"
)
INSERT_FOLLOW_UP = (
    "INSERT INTO follow_up (customer_id, due_date, kind, note, status, assignee, automatic, created_at, version)"
    " VALUES (?,?,?,?,?,?,?,?,?)"
)
STAGES = ["awareness", "consideration", "purchase", "retention", "advocacy", "churned"]


def iso(moment: datetime) -> str:
    """How SQLAlchemy's SQLite DateTime stores an aware-UTC value made naive (see core.types.UTCDateTime)."""
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def build_desk(customers: int, interactions: int, purchases: int = 0, *, seed: int = 7) -> Path:
    """A migrated desk with this many rows, built once and cached."""
    from deskapp.core.db.engine import open_engine

    OUT.mkdir(exist_ok=True)
    path = OUT / f"desk_{customers}_{interactions}_{purchases}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial.db")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    open_engine(partial).dispose()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    started = time.perf_counter()
    con = sqlite3.connect(partial)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    with con:
        rows = []
        for i in range(1, customers + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            created = iso(now - timedelta(days=rng.randint(0, 1500)))
            phone = f"+4670{rng.randint(1000000, 9999999)}"
            rows.append(
                (
                    i,
                    f"{first} {last}",
                    rng.choice(COMPANIES),
                    f"{first.lower()}.{last.lower()}{i}@example.com",
                    phone,
                    phone,
                    f"{phone[1:]} 0{phone[3:]} {phone[3:]}",
                    ",vip," if i % 17 == 0 else "",
                    rng.choice(["web", "walk-in", "referral"]),
                    rng.choice(["anna", "bence", "thabo"]),
                    rng.choice(STAGES),
                    "",
                    "",
                    created,
                    created,
                    0,
                    1,
                )
            )
        con.executemany(
            "INSERT INTO customer (id, name, company, email, phone, phone_raw, search_phone, tags, source, owner,"
            " stage, special_dates, notes, created_at, updated_at, archived, version)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        batch = []
        for _ in range(interactions):
            at = iso(now - timedelta(minutes=rng.randint(0, 2_000_000)))
            batch.append(
                (
                    rng.randint(1, customers),
                    rng.choice(["call", "email", "visit"]),
                    rng.choice(["in", "out"]),
                    at,
                    "Talked about service",
                    "",
                    "anna",
                    at,
                )
            )
            if len(batch) == 50_000:
                con.executemany(
                    INSERT_INTERACTION,
                    batch,
                )
                batch = []
        if batch:
            con.executemany(
                INSERT_INTERACTION,
                batch,
            )
        batch = []
        for k in range(purchases):
            at = iso(now - timedelta(minutes=rng.randint(0, 1_000_000)))
            cents = rng.randint(500, 200_000)
            batch.append((rng.randint(1, customers), at, cents, cents // 2 if k % 3 else None, "EUR", "order", at))
            if len(batch) == 50_000:
                con.executemany(
                    INSERT_PURCHASE,
                    batch,
                )
                batch = []
        if batch:
            con.executemany(
                INSERT_PURCHASE,
                batch,
            )
        today = now.date()
        follow_ups = [
            (
                rng.randint(1, customers),
                (today + timedelta(days=rng.randint(-30, 60))).isoformat(),
                "check_in",
                "",
                "open",
                "anna",
                0,
                iso(now),
                1,
            )
            for _ in range(max(1000, customers // 2))
        ]
        con.executemany(
            INSERT_FOLLOW_UP,
            follow_ups,
        )
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    partial.rename(path)
    print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    return path
