"""Two desks in two processes editing the same customers: nothing lost, every conflict reported."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.records.tables import id_of

ROOT = Path(__file__).resolve().parents[2]


def test_two_processes_lose_nothing(engine: Engine) -> None:
    with session_scope(engine, staff="setup", write=True) as s:
        ids = [id_of(customers.create_customer(s, name=f"Shared {i}")) for i in range(2)]
        follow_ups = [
            id_of(activity.schedule_follow_up(s, ids[0], due=date(2026, 11, 23), kind="other")) for _ in range(10)
        ]
    search_path = ""
    if engine.url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            search_path = conn.execute(text("SHOW search_path")).scalar_one()
    url = engine.url.render_as_string(hide_password=False)
    rounds = 40
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.concurrency_worker",
                json.dumps(
                    {
                        "url": url,
                        "search_path": search_path,
                        "name": name,
                        "customer_ids": ids,
                        "follow_up_ids": follow_ups,
                        "rounds": rounds,
                    }
                ),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("anna", "bence")
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    with session_scope(engine) as s:
        stored = {tok for cid in ids for tok in customers.get_customer(s, cid).notes.split(";") if tok}
        versions = [customers.get_customer(s, cid).version for cid in ids]
    acknowledged = {tok for r in results for tok in r["saved"]}
    assert len(acknowledged) == 2 * rounds
    assert stored == acknowledged  # every acknowledged save is there, nothing else
    assert sum(versions) == 2 + 2 * rounds  # one version bump per save
    completed = [fid for r in results for fid in r["completed"]]
    assert sorted(completed) == sorted(follow_ups)  # each completed exactly once ...
    assert sum(r["refused"] for r in results) == len(follow_ups)  # ... and the other desk was told
