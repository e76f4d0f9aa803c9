"""The demo business: loads `sample_data/` into an empty desk, dates relative to the day it is loaded.

The files hold offsets ("days_ago", "due_in_days") rather than dates, so a demo built today always has
follow-ups due yesterday, today and next week. History rows are written as they are (the stage changes
are in the files), so no rule fires twice and nothing is invented.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.db import audit, default_data_dir, open_engine, session_scope
from deskapp.core.records import (
    Complaint,
    Customer,
    FollowUp,
    Interaction,
    Purchase,
    Referral,
    Staff,
    StageChange,
    clean_phone,
    clock,
    load_settings,
    normalise_tags,
)


def sample_data_dir() -> Path:
    """Inside an installed wheel the files ship as deskapp/sample_data; in a checkout they sit at the top."""
    here = Path(__file__).resolve().parents[2]  # deskapp/core/io/sample.py -> deskapp/
    for candidate in (here / "sample_data", here.parent / "sample_data"):
        if (candidate / "customers.csv").exists():
            return candidate
    raise FileNotFoundError("sample_data/ not found beside the deskapp package")


def demo_database_path() -> Path:
    return default_data_dir() / "demo.db"


def _rows(folder: Path, name: str) -> Iterator[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class _Calendar:
    """Turns the files' offsets into real moments around `today` (local time, stored as UTC)."""

    def __init__(self, today: date) -> None:
        self.today = today

    def day(self, days_ago: str | int) -> date:
        return self.today - timedelta(days=int(days_ago))

    def moment(self, days_ago: str | int, at: str = "") -> datetime:
        clock_time = time.fromisoformat(at) if at else time(12, 0)
        return datetime.combine(self.day(days_ago), clock_time).astimezone().astimezone(UTC)


def load_sample(engine: Engine, *, today: date | None = None, folder: Path | None = None) -> dict[str, int]:
    """Load the demo business into an empty, migrated desk; returns the row count per table."""
    folder = folder or sample_data_dir()
    cal = _Calendar(today or clock.today())
    counts: dict[str, int] = {}
    with session_scope(engine, staff="sample", write=True) as session:
        if session.execute(select(func.count()).select_from(Customer)).scalar_one():
            raise ValueError("the sample goes into an empty desk; this one already has customers")
        settings = load_settings(session)
        conn = session.connection()

        def put(model: Any, rows: list[dict[str, Any]]) -> None:
            if rows:
                conn.execute(insert(model.__table__), rows)
            counts[model.__tablename__] = len(rows)

        now = clock.now()
        put(
            Staff,
            [
                {"login": r["login"], "display_name": r["display_name"], "created_at": now}
                for r in _rows(folder, "staff.csv")
            ],
        )

        customers = []
        for r in _rows(folder, "customers.csv"):
            phone, raw, search = clean_phone(r["phone"], settings.phone_region)
            created = cal.moment(r["created_days_ago"], "09:00")
            customers.append(
                {
                    "external_id": r["external_id"],
                    "name": r["name"],
                    "company": r["company"],
                    "email": r["email"].lower(),
                    "phone": phone,
                    "phone_raw": raw,
                    "search_phone": search,
                    "tags": normalise_tags(r["tags"]),
                    "source": r["source"],
                    "owner": r["owner"],
                    "stage": r["stage"],
                    "cadence_days": int(r["cadence_days"]) if r["cadence_days"] else None,
                    "birthday": date.fromisoformat(r["birthday"]) if r["birthday"] else None,
                    "special_dates": "",
                    "notes": r["notes"],
                    "created_at": created,
                    "updated_at": created,
                    "archived": False,
                    "version": 1,
                }
            )
        put(Customer, customers)
        ids: dict[str | None, int] = dict(session.execute(select(col(Customer.external_id), col(Customer.id))).all())

        put(
            Purchase,
            [
                {
                    "external_id": r["external_id"],
                    "customer_id": ids[r["customer_external_id"]],
                    "ordered_at": cal.moment(r["days_ago"], r["time"]),
                    "amount": r["amount"],
                    "cost": r["cost"] or None,
                    "currency": r["currency"] or settings.currency,
                    "description": r["description"],
                    "created_at": now,
                }
                for r in _rows(folder, "purchases.csv")
            ],
        )
        put(
            Interaction,
            [
                {
                    "external_id": r["external_id"],
                    "customer_id": ids[r["customer_external_id"]],
                    "occurred_at": cal.moment(r["days_ago"], r["time"]),
                    "channel": r["channel"],
                    "direction": r["direction"],
                    "summary": r["summary"],
                    "details": r["details"],
                    "staff": r["staff"],
                    "score": int(r["score"]) if r["score"] else None,
                    "created_at": now,
                }
                for r in _rows(folder, "interactions.csv")
            ],
        )
        complaints = []
        for r in _rows(folder, "complaints.csv"):
            opened = cal.moment(r["days_ago"], r["time"])
            hours = settings.first_response_hours.get(r["priority"], 48)
            answered = r["first_response_hours"]
            complaints.append(
                {
                    "external_id": r["external_id"],
                    "customer_id": ids[r["customer_external_id"]],
                    "opened_at": opened,
                    "subject": r["subject"],
                    "details": r["details"],
                    "category": r["category"],
                    "priority": r["priority"],
                    "status": r["status"],
                    "first_response_due": opened + timedelta(hours=hours),
                    "first_response_at": opened + timedelta(hours=float(answered)) if answered else None,
                    "resolved_at": cal.moment(r["resolved_days_ago"], "15:00") if r["resolved_days_ago"] else None,
                    "resolution": r["resolution"],
                    "owner": r["owner"],
                    "updated_at": opened,
                }
            )
        put(Complaint, complaints)
        follow_ups = []
        for r in _rows(folder, "followups.csv"):
            due = cal.day(-int(r["due_in_days"]))
            done = r["status"] == "done"
            follow_ups.append(
                {
                    "external_id": r["external_id"],
                    "customer_id": ids[r["customer_external_id"]],
                    "due_date": due,
                    "due_time": time.fromisoformat(r["time"]) if r["time"] else None,
                    "kind": r["kind"],
                    "note": r["note"],
                    "status": r["status"],
                    "completed_at": cal.moment(-int(r["due_in_days"]), "16:00") if done else None,
                    "assignee": r["assignee"],
                    "automatic": False,
                    # scheduled two weeks before it falls due, but never later than the load itself
                    "created_at": min(now, cal.moment(-int(r["due_in_days"]) + 14, "10:00")),
                    "version": 1,
                }
            )
        put(FollowUp, follow_ups)
        put(
            StageChange,
            [
                {
                    "customer_id": ids[r["customer_external_id"]],
                    "at": cal.moment(r["days_ago"], "12:00"),
                    "from_stage": r["from_stage"] or None,
                    "to_stage": r["to_stage"],
                    "reason": r["reason"],
                    "churn_reason": r["churn_reason"] or None,
                    "staff": r["staff"],
                    "automatic": r["automatic"].lower() == "true",
                }
                for r in _rows(folder, "stage_changes.csv")
            ],
        )
        put(
            Referral,
            [
                {
                    "referrer_id": ids[r["referrer_external_id"]],
                    "referred_id": ids[r["referred_external_id"]],
                    "at": cal.moment(r["days_ago"], "12:00"),
                    "note": "",
                    "staff": "sample",
                }
                for r in _rows(folder, "referrals.csv")
            ],
        )
        audit.record(session, action="load_sample", entity="desk", entity_id=None, changes=counts)
    return counts


def ensure_demo_database(path: Path | None = None, *, fresh: bool = False, today: date | None = None) -> Engine:
    """The demo desk, built from the sample on first use (or again with `fresh`)."""
    path = path or demo_database_path()
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            target = Path(f"{path}{suffix}")
            if target.exists():
                os.remove(target)
    engine = open_engine(path)
    with session_scope(engine) as session:
        empty = not session.execute(select(func.count()).select_from(Customer)).scalar_one()
    if empty:
        load_sample(engine, today=today)
    return engine
