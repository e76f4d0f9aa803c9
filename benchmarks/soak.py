"""Soak: several desks and a nightly import writing to one database at once, for a fixed time.

    python benchmarks/soak.py [--seconds 60] [--writers 3] [--postgres postgresql://postgres@127.0.0.1/test]

Three writer processes do what staff do (log calls, edit customers with the version they read, schedule and
complete follow-ups) while one importer process runs `deskapp import customers` on fresh files over and
over. At the end every acknowledged write is looked up in the database: "lost" counts acknowledged writes
that are missing, "errors" counts anything a person would have seen (a locked database, a crash). Edit
conflicts are not errors: the desk reports them and the writer redoes the edit, as a person would.
Prints a table and JSON for SQLite, and for PostgreSQL too when --postgres is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _engine(url: str):  # type: ignore[no-untyped-def]
    from deskapp.core.db.engine import make_engine, resolve_url

    return make_engine(resolve_url(url))


def writer(url: str, name: str, seconds: float, customer_ids: list[int], queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from deskapp.core.activity import service as activity
    from deskapp.core.customers import service as customers
    from deskapp.core.db.engine import session_scope
    from deskapp.core.records.errors import ConflictError, InvalidTransition

    engine = _engine(url)
    rng = random.Random(name)
    acknowledged = {"interaction": [], "note": [], "follow_up": []}  # type: ignore[var-annotated]
    conflicts = errors = 0
    error_samples: list[str] = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        token = f"{name}-{n}"
        cid = rng.choice(customer_ids)
        op = rng.random()
        try:
            if op < 0.5:
                with session_scope(engine, staff=name, write=True) as s:
                    activity.log_interaction(s, cid, channel="call", summary=token)
                acknowledged["interaction"].append(token)
            elif op < 0.8:
                while True:
                    with session_scope(engine, staff=name) as s:
                        c = customers.get_customer(s, cid)
                        version = c.version
                    try:
                        with session_scope(engine, staff=name, write=True) as s:
                            customers.update_customer(s, cid, expected_version=version, notes=token)
                        acknowledged["note"].append(token)
                        break
                    except ConflictError:
                        conflicts += 1
            else:
                with session_scope(engine, staff=name, write=True) as s:
                    f = activity.schedule_follow_up(s, cid, due=date.today() + timedelta(days=1), note=token)
                    fid = f.id
                try:
                    with session_scope(engine, staff=name, write=True) as s:
                        activity.complete_follow_up(s, fid)
                except InvalidTransition:
                    pass
                acknowledged["follow_up"].append(token)
        except Exception as exc:  # noqa: BLE001 - every other failure is what the soak counts
            errors += 1
            if len(error_samples) < 5:
                error_samples.append(repr(exc)[:300])
    engine.dispose()
    queue.put(
        {"name": name, "acknowledged": acknowledged, "conflicts": conflicts, "errors": errors, "samples": error_samples}
    )


def importer(url: str, seconds: float, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    imported: list[str] = []
    errors = 0
    samples: list[str] = []
    deadline = time.monotonic() + seconds
    folder = Path(tempfile.mkdtemp(prefix="soak-import-"))
    run = 0
    while time.monotonic() < deadline:
        run += 1
        path = folder / f"night-{run}.csv"
        ids = [f"SOAK-{uuid.uuid4().hex[:12]}" for _ in range(500)]
        with path.open("w", newline="", encoding="utf-8") as handle:
            out = csv.writer(handle)
            out.writerow(["external_id", "name", "email", "tags"])
            for i, ext in enumerate(ids):
                out.writerow([ext, f"Imported Person {run}-{i}", f"{ext.lower()}@example.com", "import"])
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "deskapp",
                "--db",
                url,
                "--as",
                "importer",
                "import",
                "customers",
                str(path),
                "--json",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            imported.extend(ids)
        else:
            errors += 1
            if len(samples) < 5:
                samples.append((result.stderr or result.stdout)[-300:])
    queue.put({"name": "importer", "imported": imported, "errors": errors, "samples": samples, "runs": run})


def soak(url: str, seconds: float, writers: int) -> dict[str, object]:
    from sqlalchemy import func, select

    from deskapp.core.customers import service as customers
    from deskapp.core.db.engine import describe_url, open_engine, session_scope
    from deskapp.core.records.tables import Customer, FollowUp, Interaction

    engine = open_engine(url)
    with session_scope(engine, staff="setup", write=True) as s:
        ids = [customers.create_customer(s, name=f"Soak Customer {i}").id for i in range(200)]
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [ctx.Process(target=writer, args=(url, f"w{i}", seconds, ids, queue)) for i in range(writers)]
    procs.append(ctx.Process(target=importer, args=(url, seconds, queue)))
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [queue.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - started
    lost = 0
    with session_scope(engine) as s:
        summaries = set(s.execute(select(Interaction.summary)).scalars())
        notes_now = {c.id: c.notes for c in s.execute(select(Customer).where(Customer.id.in_(ids))).scalars()}
        follow_notes = set(s.execute(select(FollowUp.note)).scalars())
        external = set(s.execute(select(Customer.external_id).where(Customer.external_id.is_not(None))).scalars())
        total_customers = s.execute(select(func.count()).select_from(Customer)).scalar_one()
    writes = 0
    conflicts = errors = 0
    samples: list[str] = []
    for r in results:
        errors += int(r["errors"])  # type: ignore[call-overload]
        samples.extend(r["samples"])  # type: ignore[arg-type]
        if r["name"] == "importer":
            missing = [x for x in r["imported"] if x not in external]  # type: ignore[union-attr]
            lost += len(missing)
            writes += len(r["imported"])  # type: ignore[arg-type]
            continue
        conflicts += int(r["conflicts"])  # type: ignore[call-overload]
        ack = r["acknowledged"]
        lost += sum(1 for t in ack["interaction"] if t not in summaries)  # type: ignore[index]
        lost += sum(1 for t in ack["follow_up"] if t not in follow_notes)  # type: ignore[index]
        writes += sum(len(v) for v in ack.values())  # type: ignore[union-attr]
    # Each customer's notes must be the last acknowledged edit of some writer (no torn or phantom value).
    all_notes = {t for r in results if r["name"] != "importer" for t in r["acknowledged"]["note"]}  # type: ignore[index]
    lost += sum(1 for v in notes_now.values() if v and v not in all_notes)
    engine.dispose()
    return {
        "database": describe_url(engine.url),
        "engine": engine.url.get_backend_name(),
        "seconds": seconds,
        "wall_seconds_with_start_up": round(elapsed, 1),
        "writer_processes": writers,
        "acknowledged_writes": writes,
        "writes_per_second": round(writes / seconds, 1),  # each process writes for exactly `seconds`
        "edit_conflicts_reported": conflicts,
        "lost_writes": lost,
        "errors_surfaced": errors,
        "error_samples": samples,
        "customers_at_end": total_customers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL; the soak creates and drops its own database there")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(soak(str(Path(tmp) / "soak.db"), args.seconds, args.writers))
    if args.postgres:
        from sqlalchemy import text

        from deskapp.core.db.engine import make_engine, resolve_url

        base = resolve_url(args.postgres)
        name = f"deskapp_soak_{uuid.uuid4().hex[:8]}"
        admin = make_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            results.append(
                soak(base.set(database=name).render_as_string(hide_password=False), args.seconds, args.writers)
            )
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(f"{'engine':<12}{'seconds':>8}{'writes':>9}{'writes/s':>10}{'conflicts':>11}{'lost':>6}{'errors':>8}")
    for r in results:
        print(
            f"{r['engine']:<12}{r['seconds']:>8}{r['acknowledged_writes']:>9}{r['writes_per_second']:>10}"
            f"{r['edit_conflicts_reported']:>11}{r['lost_writes']:>6}{r['errors_surfaced']:>8}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
