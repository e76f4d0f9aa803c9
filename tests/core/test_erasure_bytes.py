"""Erasure, checked where it matters: the bytes of the database file, its WAL and a backup made afterwards,
while another desk holds the file open. A value still in a free page or a WAL frame is not erased."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col
from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.history import bulk
from deskapp.core.history.privacy import erase_person, person_record
from deskapp.core.hygiene.merge import merge_customers
from deskapp.core.io.importing import import_file
from deskapp.core.records.tables import AuditEntry

# Values only this person has: none of them may be left in any byte of the desk afterwards.
SECRETS = (
    "Quillfeather",
    "zebquill@example.org",
    "4915112345678",
    "Marzipanallergie",
    "Duplikatnotiz",
    "Refnotiz",
    "Importnotiz",
    "Importkauf",
)


def _build_person(engine: Engine) -> tuple[int, int]:
    with session_scope(engine, staff="tester", write=True) as session:
        person = customers.create_customer(
            session,
            name="Zebulon Quillfeather",
            email="zebquill@example.org",
            phone="+49 151 12345678",
            notes="Marzipanallergie",
            tags="vip-club",
        )
        copy = customers.create_customer(
            session, name="Zeb Quillfeather", email="zeb.quillfeather@example.org", notes="Duplikatnotiz"
        )
        friend = customers.create_customer(session, name="Ann Friend", email="ann@example.org")
        assert person.id is not None and copy.id is not None and friend.id is not None
        activity.log_interaction(session, person.id, channel="call", summary="Quillfeather called about marzipan")
        activity.record_purchase(session, person.id, amount="25.00", description="Quillfeather gift box")
        activity.open_complaint(session, person.id, subject="Quillfeather parcel late", details="Marzipanallergie")
        activity.schedule_follow_up(session, person.id, due=date(2026, 12, 1), note="Call Quillfeather")
        activity.record_referral(session, person.id, friend.id, note="Refnotiz from Quillfeather")
        customers.update_customer(session, person.id, notes="Marzipanallergie, still")
        bulk.bulk_edit(session, [person.id, friend.id], bulk.clean_change("untag", "vip-club"))
        person_id, copy_id, friend_id = person.id, copy.id, friend.id
    with session_scope(engine, staff="tester", write=True) as session:
        merge_customers(session, person_id, copy_id)
    return person_id, friend_id


def _import_about_them(engine: Engine, folder: Path) -> None:
    """An import that updates them (its batch keeps their old values for undo) and one that adds an order."""
    update = folder / "update.csv"
    update.write_text("name,email,notes\nZebulon Quillfeather,zebquill@example.org,Importnotiz\n")
    orders = folder / "orders.csv"
    orders.write_text("customer_email,ordered_at,amount,description\nzebquill@example.org,2026-01-02,5,Importkauf\n")
    assert import_file(engine, "customers", update, staff="tester").counts.updated == 1
    assert import_file(engine, "purchases", orders, staff="tester").counts.inserted == 1


def _leftovers(*paths: Path) -> list[tuple[str, str]]:
    found = []
    for path in paths:
        if not path.exists():
            continue
        data = path.read_bytes().lower()
        for secret in SECRETS:
            if secret.lower().encode() in data:
                found.append((path.name, secret))
    return found


@pytest.fixture
def desk_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.db"
    engine = open_engine(path)
    engine.dispose()
    yield path


def test_erase_leaves_no_byte_of_the_person_with_another_desk_open(desk_file: Path, tmp_path: Path) -> None:
    engine = open_engine(desk_file)
    person_id, _ = _build_person(engine)
    _import_about_them(engine, tmp_path)
    other_desk = sqlite3.connect(desk_file)  # another desk with the file open (idle between its queries)
    other_desk.execute("SELECT count(*) FROM customer").fetchone()
    try:
        assert _leftovers(desk_file, desk_file.with_name("desk.db-wal"))  # the values are there to find
        result = CliRunner().invoke(app, ["--db", str(desk_file), "customer", "erase", str(person_id), "--yes"])
        assert result.exit_code == 0, result.output
        backup = tmp_path / "after.db"
        made = CliRunner().invoke(app, ["--db", str(desk_file), "backup", str(backup)])
        assert made.exit_code == 0, made.output
        wal = desk_file.with_name("desk.db-wal")
        assert _leftovers(desk_file, wal, backup) == []
        # the other desk still works and sees the erased customer
        name = other_desk.execute("SELECT name FROM customer WHERE id = ?", (person_id,)).fetchone()[0]
        assert name == f"Erased customer {person_id}"
    finally:
        other_desk.close()
        engine.dispose()


def test_erase_says_so_when_another_desk_holds_the_wal_back(desk_file: Path) -> None:
    engine = open_engine(desk_file)
    person_id, _ = _build_person(engine)
    reader = sqlite3.connect(desk_file, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM customer").fetchone()  # a read transaction pins the old snapshot
    try:
        result = CliRunner().invoke(app, ["--db", str(desk_file), "customer", "erase", str(person_id), "--yes"])
        assert result.exit_code == 0, result.output
        assert "another desk has the file open" in result.output
    finally:
        reader.close()
        engine.dispose()


def test_erase_scrubs_the_merged_away_duplicate_and_the_referral_audit(engine: Engine) -> None:
    person_id, _ = _build_person(engine)
    with session_scope(engine, staff="tester", write=True) as session:
        erase_person(session, person_id)
    with session_scope(engine) as session:
        trail = " ".join(session.execute(select(col(AuditEntry.changes))).scalars()).lower()
        record = str(person_record(session, person_id)).lower()
    assert [s for s in SECRETS if s.lower() in trail] == []
    assert [s for s in SECRETS if s.lower() in record] == []
