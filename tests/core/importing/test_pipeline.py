"""The pipeline's promises: all or nothing, every bad line named, idempotent, set-wise lifecycle rules."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.customers.search import index_in_sync
from deskapp.core.customers.service import create_customer, search_customers
from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing import ImportFileError, ImportOptions, MappingError, import_file
from deskapp.core.io.importing.pipeline import ImportRun, ImportSummary
from deskapp.core.records.tables import (
    AuditEntry,
    Customer,
    FollowUp,
    Interaction,
    OwnerChange,
    Purchase,
    Stage,
    StageChange,
)


def run(engine: Engine, kind: str, body: str | bytes | Path, **options: Any) -> ImportSummary:
    source = body if isinstance(body, Path) else io.BytesIO(body.encode() if isinstance(body, str) else body)
    return import_file(engine, kind, source, ImportOptions(**options), staff="tester")


def count(engine: Engine, model: Any) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_three_bad_rows_of_ten_leave_every_table_as_it_was(engine: Engine, data: Path, snapshot: Any) -> None:
    run(engine, "customers", "external_id,name\nX1,Someone already here\n")
    before = snapshot(engine)
    summary = run(engine, "customers", data / "customers_3_bad_of_10.csv")
    assert not summary.committed and summary.exit_code == 1
    assert snapshot(engine) == before
    assert [(e.line, e.column) for e in summary.errors] == [(4, "email"), (7, "phone"), (9, "name")]
    assert summary.counts.rejected == 3 and summary.counts.inserted == 7  # what would have happened
    assert summary.errors[0].value == "not-an-email" and "@-sign" in summary.errors[0].reason


def test_skip_invalid_imports_the_good_rows_and_writes_the_rejects(engine: Engine, data: Path, tmp_path: Path) -> None:
    rejects = tmp_path / "rejects.csv"
    summary = run(engine, "customers", data / "customers_3_bad_of_10.csv", skip_invalid=True, rejects=rejects)
    assert summary.committed and summary.counts.inserted == 7 and summary.exit_code == 1
    lines = rejects.read_text().splitlines()
    assert lines[0] == "external_id,name,email,phone,stage,error"
    assert [line.split(",")[0] for line in lines[1:]] == ["B03", "B06", "B08"]
    assert oct(rejects.stat().st_mode & 0o777) == "0o600"
    # fixed and imported again: the good rows are unchanged, the fixed ones go in
    rows = list(csv.DictReader(io.StringIO(rejects.read_text())))
    assert [r["error"].split(":")[0] for r in rows] == ["email", "phone", "name"]
    rows[0]["email"], rows[1]["phone"], rows[2]["name"] = "karin@example.se", "", "Nobody Berg"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[f for f in rows[0] if f != "error"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    again = run(engine, "customers", out.getvalue())
    assert (again.counts.inserted, again.counts.rejected, again.committed) == (3, 0, True)


def test_dry_run_writes_nothing_but_reports_everything(engine: Engine, data: Path, snapshot: Any) -> None:
    before = snapshot(engine)
    summary = run(engine, "customers", data / "hubspot_contacts.csv", dry_run=True)
    assert summary.counts.inserted == 4 and not summary.committed and summary.exit_code == 0
    assert snapshot(engine) == before
    assert ("Lifecycle Stage", "stage") in summary.mapping


def test_the_same_file_twice_changes_nothing(engine: Engine, data: Path, snapshot: Any) -> None:
    run(engine, "customers", data / "customers.json")
    before = snapshot(engine)
    summary = run(engine, "customers", data / "customers.json")
    assert (summary.counts.inserted, summary.counts.updated, summary.counts.unchanged) == (0, 0, 2)
    after = snapshot(engine)
    after.pop("audit_entry"), before.pop("audit_entry")  # the second import is itself recorded,
    batches = after.pop("import_batch"), before.pop("import_batch")  # and listed in the history
    assert after == before
    assert len(batches[0]) == len(batches[1]) + 1


def test_customers_upsert_by_external_id_then_email(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        create_customer(session, name="Ann Old", email="ann@example.com")
    summary = run(engine, "customers", "external_id,name,email,owner\nA1,Ann New,ann@example.com,bo\n")
    assert (summary.counts.inserted, summary.counts.updated) == (0, 1)
    summary = run(engine, "customers", "external_id,name,email\nA1,Ann Newer,changed@example.com\n")
    assert summary.counts.updated == 1
    with session_scope(engine) as session:
        ann = session.execute(select(Customer)).scalar_one()
        owners = session.execute(select(OwnerChange)).scalars().all()
    assert (ann.external_id, ann.name, ann.email, ann.owner, ann.version) == (
        "A1",
        "Ann Newer",
        "changed@example.com",
        "bo",
        3,
    )
    assert [(o.from_owner, o.to_owner) for o in owners] == [("tester", "bo")]


def test_empty_cells_leave_stored_values_alone(engine: Engine) -> None:
    run(engine, "customers", "external_id,name,phone,notes\nA1,Ann,+46701234567,keep me\n")
    summary = run(engine, "customers", "external_id,name,phone,notes\nA1,Ann,,\n")
    assert summary.counts.unchanged == 1


@pytest.mark.parametrize(
    ("mode", "updated", "skipped", "rejected"), [("update", 1, 0, 0), ("skip", 0, 1, 0), ("error", 0, 0, 1)]
)
def test_on_conflict(engine: Engine, mode: str, updated: int, skipped: int, rejected: int) -> None:
    run(engine, "customers", "external_id,name\nA1,Ann\n")
    summary = run(engine, "customers", "external_id,name\nA1,Anna\nA2,Bo\n", on_conflict=mode, skip_invalid=True)
    c = summary.counts
    assert (c.updated, c.skipped, c.rejected, c.inserted) == (updated, skipped, rejected, 1)
    if rejected:
        assert "already exists" in summary.errors[0].reason and summary.errors[0].line == 2


def test_an_email_shared_by_two_customers_is_ambiguous(engine: Engine) -> None:
    with session_scope(engine, write=True) as session:
        create_customer(session, name="One", email="same@example.com")
        create_customer(session, name="Two", email="same@example.com")
    summary = run(engine, "customers", "name,email\nThree,same@example.com\n")
    assert "matches 2 customers" in summary.errors[0].reason


def test_duplicates_inside_one_file_and_one_batch(engine: Engine) -> None:
    body = "external_id,name\n" + "".join(f"A{i % 3},Name {i}\n" for i in range(7))
    summary = run(engine, "customers", body, batch_size=100)
    assert (summary.counts.inserted, summary.counts.updated) == (3, 4)
    assert count(engine, Customer) == 3


def test_batches_and_search_index_for_bulk_inserts(engine: Engine) -> None:
    body = "name,email,phone\n" + "".join(f"Ödön {i},o{i}@example.hu,+36 70 400 {i:04d}\n" for i in range(1200))
    summary = run(engine, "customers", body, batch_size=600)
    assert summary.counts.inserted == 1200
    with session_scope(engine) as session:
        assert index_in_sync(session)
        assert [r.name for r in search_customers(session, "odon 1199")] == ["Ödön 1199"]
        assert search_customers(session, "704001199").items[0].name == "Ödön 1199"
    if engine.url.get_backend_name() == "sqlite":  # the FTS5 trigger the importer suspends is back
        with engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        assert "customer_fts_ai" in names


def test_a_rolled_back_bulk_import_keeps_the_search_trigger(engine: Engine) -> None:
    body = "name,email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(600)) + "Bad,bad@\n"
    summary = run(engine, "customers", body)
    assert not summary.committed
    run(engine, "customers", "name\nAfter Rollback\n")
    with session_scope(engine) as session:
        assert index_in_sync(session)
        assert search_customers(session, "after rollback").items[0].name == "After Rollback"


def test_children_find_customers_or_say_which_is_missing(engine: Engine) -> None:
    run(engine, "customers", "external_id,name,email\nC1,Ann,ann@example.com\n")
    body = (
        "customer_external_id,customer_email,customer_id,ordered_at,amount\n"
        "C1,,,2025-01-01,10\n,ann@example.com,,2025-01-02,11\n,,1,2025-01-03,12\nC9,,,2025-01-04,13\n"
    )
    summary = run(engine, "purchases", body)
    assert [(e.line, e.column, e.reason) for e in summary.errors] == [
        (5, "customer_external_id", "no customer with this external_id (--create-missing creates them)")
    ]
    summary = run(engine, "purchases", body, create_missing=True)
    assert summary.committed and (summary.counts.inserted, summary.counts.customers_created) == (4, 1)
    with session_scope(engine) as session:
        created = session.execute(select(Customer).where(col(Customer.external_id) == "C9")).scalar_one()
    assert created.name == "C9"


def test_purchases_dedupe_by_external_id_or_natural_key(engine: Engine) -> None:
    run(engine, "customers", "external_id,name\nC1,Ann\n")
    body = "external_id,customer_external_id,ordered_at,amount\nP1,C1,2025-01-01,10\n,C1,2025-01-02,11.5\n"
    assert run(engine, "purchases", body).counts.inserted == 2
    again = run(engine, "purchases", body.replace("11.5", "11.50"))
    assert (again.counts.inserted, again.counts.unchanged) == (0, 2)
    changed = run(engine, "purchases", body.replace(",10\n", ",12\n"))
    assert changed.counts.updated == 1
    assert count(engine, Purchase) == 2


@pytest.mark.parametrize(("preload_after", "defer"), [(50_000, True), (0, True), (2, True), (50_000, False)])
def test_purchase_lifecycle_effects_are_applied_per_batch(
    engine: Engine, frozen_now: Any, monkeypatch: pytest.MonkeyPatch, preload_after: int, defer: bool
) -> None:
    from deskapp.core.io.importing import stages

    monkeypatch.setattr(stages, "PRELOAD_AFTER_ROWS", preload_after)
    monkeypatch.setattr(stages.StageBook, "DEFER", defer)
    run(engine, "customers", "external_id,name,stage\nC1,Ann,awareness\nC2,Bo,consideration\nC3,Cy,churned\n")
    today = frozen_now.date()
    old, recent = today - timedelta(days=400), today - timedelta(days=3)
    body = (
        "external_id,customer_external_id,ordered_at,amount,description\n"
        f"P1,C1,{old},10,Helmet\nP2,C1,{recent},20,Lights\nP3,C2,{recent},30,Bike\nP4,C3,{old},5,Bell\n"
    )
    summary = run(engine, "purchases", body, batch_size=2)
    with session_scope(engine) as session:
        stage_of = {c.external_id: c.stage for c in session.execute(select(Customer)).scalars()}
        changes = session.execute(
            select(col(StageChange.reason), col(StageChange.to_stage)).where(col(StageChange.from_stage).is_not(None))
        ).all()
        follow_ups = session.execute(
            select(col(FollowUp.kind), col(FollowUp.due_date)).order_by(col(FollowUp.id))
        ).all()
    assert stage_of == {"C1": Stage.RETENTION, "C2": Stage.PURCHASE, "C3": Stage.CHURNED}
    assert sorted(changes) == [
        ("first purchase", Stage.PURCHASE),
        ("first purchase", Stage.PURCHASE),
        ("repeat purchase", Stage.RETENTION),
    ]
    # only the recent orders ask for a thank-you; only C2's first order (recent) starts onboarding
    assert follow_ups[0] == ("thank_you", recent + timedelta(days=2))
    assert [k for k, _ in follow_ups].count("onboarding") == 3 and len(follow_ups) == 5
    assert summary.counts.stage_changes == 3 and summary.counts.follow_ups_created == 5


def test_the_same_rules_as_the_core_services(engine: Engine, frozen_now: Any) -> None:
    """Replaying the core's per-row rules: a purchase older than the customer's first is a first purchase."""
    run(engine, "customers", "external_id,name\nC1,Ann\n")
    run(engine, "purchases", "customer_external_id,ordered_at,amount\nC1,2025-05-01,10\n")
    run(engine, "purchases", "customer_external_id,ordered_at,amount\nC1,2025-01-01,10\n")
    with session_scope(engine) as session:
        reasons = session.execute(select(col(StageChange.reason)).order_by(col(StageChange.id))).scalars().all()
    assert reasons == ["imported from <stream>", "first purchase"]  # the earlier order: no repeat yet


def test_a_high_score_makes_a_buyer_an_advocate(engine: Engine) -> None:
    run(engine, "customers", "external_id,name,stage\nC1,Ann,retention\nC2,Bo,awareness\n")
    body = (
        "customer_external_id,channel,occurred_at,summary,score\nC1,call,2025-01-01,NPS,9\nC2,call,2025-01-01,NPS,10\n"
    )
    summary = run(engine, "interactions", body)
    with session_scope(engine) as session:
        stages = {c.external_id: c.stage for c in session.execute(select(Customer)).scalars()}
    assert stages == {"C1": Stage.ADVOCACY, "C2": Stage.AWARENESS} and summary.counts.stage_changes == 1
    assert count(engine, Interaction) == 2


def test_one_audit_entry_per_batch(engine: Engine) -> None:
    body = "name\n" + "".join(f"N{i}\n" for i in range(5))
    run(engine, "customers", body, batch_size=2)
    with session_scope(engine) as session:
        entries = session.execute(select(AuditEntry).where(col(AuditEntry.action) == "import")).scalars().all()
    assert len(entries) == 3
    first = json.loads(entries[0].changes)
    assert first["batch"] == 1 and first["counts"]["inserted"] == 2 and first["inserted"]["customer"] == [[1, 2]]
    assert entries[0].staff == "tester" and entries[0].entity == "customer"


def test_bad_options_and_files_are_errors_before_anything_is_written(engine: Engine, data: Path) -> None:
    with pytest.raises(ImportFileError, match="on-conflict"):
        run(engine, "customers", "name\nA\n", on_conflict="merge")
    with pytest.raises(ImportFileError, match="unknown kind"):
        run(engine, "referrals", "name\nA\n")
    with pytest.raises(MappingError):
        run(engine, "customers", "colour\nred\n")
    with pytest.raises(ImportFileError, match="vCard"):
        run(engine, "purchases", data / "contacts.vcf")


def test_a_decoding_error_late_in_the_file_rolls_everything_back(engine: Engine) -> None:
    body = ("name\n" + "Ann\n" * 30000).encode() + b"Bj\xf6rn\n"
    with pytest.raises(ImportFileError, match="--encoding"):
        run(engine, "customers", body)
    assert count(engine, Customer) == 0


def test_long_notes(engine: Engine) -> None:
    note = "word " * 60_000
    summary = run(engine, "customers", f'name,notes\nAnn,"{note}"\n')
    assert summary.committed
    with session_scope(engine) as session:
        assert len(session.execute(select(col(Customer.notes))).scalar_one()) == len(note.strip())


def test_follow_up_links(engine: Engine) -> None:
    run(engine, "customers", "external_id,name\nC1,Ann\nC2,Bo\n")
    run(engine, "purchases", "external_id,customer_external_id,ordered_at,amount\nP1,C1,2025-01-01,10\n")
    body = "customer_external_id,due,purchase_external_id,purchase_id\n"
    body += "C1,2026-12-01,P1,\nC2,2026-12-02,P1,\nC2,2026-12-03,,1\n"
    summary = run(engine, "followups", body, skip_invalid=True)
    assert [(e.line, e.column) for e in summary.errors] == [(3, "purchase_external_id")]
    assert summary.warnings_total == 1 and "link left out" in summary.warnings[0]
    with session_scope(engine) as session:
        links = session.execute(
            select(col(FollowUp.due_date), col(FollowUp.purchase_id)).order_by(col(FollowUp.due_date))
        ).all()
    assert links == [(date(2026, 12, 1), 1), (date(2026, 12, 3), None)]


def test_naive_times_are_read_in_their_own_dates_offset(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """In Stockholm noon in July is 10:00 UTC (summer time) and noon in January 11:00 UTC, whatever today is."""
    import time as time_module

    run(engine, "customers", "external_id,name\nC1,Ann\n")
    monkeypatch.setenv("TZ", "Europe/Stockholm")
    time_module.tzset()
    try:
        body = "customer_external_id,channel,occurred_at,summary\n"
        body += "C1,call,2025-07-01 12:00,summer\nC1,call,2025-01-15T12:00,winter\n"
        assert run(engine, "interactions", body).committed
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time_module.tzset()
    with session_scope(engine) as session:
        rows = session.execute(select(col(Interaction.summary), col(Interaction.occurred_at)))
        times = {row.summary: row.occurred_at for row in rows}
    assert (times["summer"].hour, times["winter"].hour) == (10, 11)


def test_summary_and_run_are_built_by_keyword() -> None:
    """Thirteen positional fields were easy to swap unnoticed: both refuse positional arguments."""
    summary_class: Any = ImportSummary  # called the wrong way on purpose, which mypy would refuse
    run_class: Any = ImportRun
    with pytest.raises(TypeError):
        summary_class("customers", "a.csv", "csv", "utf-8", ",", None, [], [], False)
    with pytest.raises(TypeError):
        run_class(None, None, None, None, None, None, None)
    summary = ImportSummary(
        kind="customers", file="a.csv", format="csv", encoding="utf-8", delimiter=",", preset=None,
        mapping=[], ignored=[], dry_run=False,
    )  # fmt: skip
    assert summary.counts.rows == 0 and summary.exit_code == 0
