"""Every file in tests/data/import imports with the counts and values it should: one test per messy file."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing import ImportOptions, ImportSummary, import_file
from deskapp.core.records.settings import save_setting
from deskapp.core.records.tables import Complaint, Customer, FollowUp, Interaction, Purchase, Stage


def run(engine: Engine, kind: str, path: Path, **options: Any) -> ImportSummary:
    summary = import_file(engine, kind, path, ImportOptions(**options), staff="tester")
    assert summary.committed or options.get("dry_run"), [e.as_dict() for e in summary.errors]
    return summary


def customers(engine: Engine) -> dict[str, Customer]:
    with session_scope(engine) as session:
        return {c.name: c for c in session.execute(select(Customer)).scalars()}


def counts(summary: ImportSummary) -> tuple[int, int, int, int]:
    c = summary.counts
    return c.inserted, c.updated, c.unchanged, c.rejected


@pytest.fixture
def swedish_desk(engine: Engine) -> Engine:
    with session_scope(engine, write=True) as session:
        save_setting(session, "phone_region", "SE")
    return engine


def test_excel_semicolon_file_with_bom(swedish_desk: Engine, data: Path) -> None:
    summary = run(swedish_desk, "customers", data / "customers_excel_semicolon.csv")
    assert counts(summary) == (3, 0, 0, 0)
    people = customers(swedish_desk)
    asa = people["Åsa Lindqvist"]
    assert (asa.external_id, asa.email, asa.phone, asa.phone_raw) == (
        "K-001",
        "Asa.Lindqvist@telia.se",
        "+46701234567",
        "070-123 45 67",
    )
    assert asa.birthday == date(1985, 7, 5) and asa.tags == ",vip,newsletter,"
    assert people["Berg, Anna"].company == "Berg & Co; AB"


def test_tab_separated_file(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "customers_tabs.tsv")
    assert counts(summary) == (2, 0, 0, 0)
    thabo = customers(engine)["Thabo Nkosi"]
    assert (thabo.stage, thabo.cadence_days, thabo.notes) == (Stage.CONSIDERATION, 14, "Prefers WhatsApp")


def test_google_contacts_old_utf16_export(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "google_contacts_old.csv")
    assert summary.preset == "google-contacts-old" and counts(summary) == (3, 0, 0, 0)
    people = customers(engine)
    assert people["Mikko Virtanen"].tags == ",customers," and people["Mikko Virtanen"].phone == "+358401234567"
    aino = people["Aino Maria Korhonen"]  # no full name: given + additional + family
    assert (aino.email, aino.phone) == ("aino.korhonen@gmail.com", "+358507654321")  # the first of " ::: "
    assert people["Pyörähuolto Oy"].company == "Pyörähuolto Oy"  # a business card: its company is its name
    assert people["Pyörähuolto Oy"].tags == ",partners,"


def test_google_contacts_new_export_keeps_birthdays_without_a_year(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "google_contacts_new.csv")
    assert summary.preset == "google-contacts" and counts(summary) == (2, 0, 0, 0)
    assert summary.warnings_total == 0
    people = customers(engine)
    assert people["Zsófia Nagy"].birthday is None and people["Zsófia Nagy"].tags == ",vip,"
    assert json.loads(people["Zsófia Nagy"].special_dates) == [{"label": "birthday", "date": "--03-14"}]
    assert people["Grace Taylor"].company == "Taylor Cycles Ltd" and people["Grace Taylor"].phone == "+442079460123"


def test_outlook_export_windows_1252_month_first(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "outlook_contacts.csv")
    assert summary.preset == "outlook" and counts(summary) == (3, 0, 0, 0)
    assert any("Windows-1252" in n for n in summary.notices) and any("month first" in n for n in summary.notices)
    people = customers(engine)
    bjorn = people["Björn Söderström"]
    assert bjorn.birthday == date(1980, 1, 15) and bjorn.phone == "+46812345678"  # business phone, no mobile
    assert bjorn.notes == "Café owner – wants a cargo bike" and bjorn.tags == ",business,vip,"
    assert people["Emily Jones"].birthday is None  # Outlook's 0/0/00
    assert people["Harry Brown"].birthday == date(1975, 12, 25)


def test_hubspot_export_maps_lifecycle_stages(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "hubspot_contacts.csv")
    assert summary.preset == "hubspot" and counts(summary) == (4, 0, 0, 0)
    people = customers(engine)
    assert people["Sipho Dlamini"].stage == Stage.CONSIDERATION
    assert people["Lindiwe Nkosi"].stage == Stage.PURCHASE
    assert people["Pieter van der Merwe"].stage == Stage.ADVOCACY
    assert people["Jukka Mäkinen"].stage == Stage.AWARENESS
    assert people["Sipho Dlamini"].external_id == "51" and people["Sipho Dlamini"].owner == "anna"
    assert people["Sipho Dlamini"].source == "organic search"
    assert people["Lindiwe Nkosi"].created_at.isoformat() == "2022-11-02T09:00:00+00:00"


def test_json_array(engine: Engine, data: Path) -> None:
    assert counts(run(engine, "customers", data / "customers.json")) == (2, 0, 0, 0)
    people = customers(engine)
    oliver, karin = people["Oliver Smith"], people["Karin Johansson"]
    assert oliver.tags == ",racing,vip," and oliver.cadence_days == 60 and oliver.notes == "Line one\nline two"
    assert oliver.special_dates == '[{"label": "first bike", "date": "2019-05-01"}]'
    assert karin.archived and karin.created_at.isoformat() == "2024-02-29T10:00:00+00:00"


def test_json_lines(engine: Engine, data: Path) -> None:
    assert counts(run(engine, "customers", data / "customers.jsonl")) == (3, 0, 0, 0)
    people = customers(engine)
    assert people["Réka Tóth"].birthday == date(1992, 8, 21)  # yyyy. mm. dd.
    assert people["Sanna Nieminen"].stage == Stage.AWARENESS  # HubSpot's "Lead"
    assert people["Erik Berg"].source == "walk-in"


def test_vcards(engine: Engine, data: Path) -> None:
    summary = run(engine, "customers", data / "contacts.vcf")
    assert counts(summary) == (3, 0, 0, 0) and summary.warnings_total == 0
    people = customers(engine)
    yearless = [p for p in people.values() if "--12-25" in p.special_dates]  # BDAY --1225: kept without a year
    assert len(yearless) == 1 and yearless[0].birthday is None
    assert people["Ödön Kovács"].phone == "+36704009372"
    assert people["Åsa Lindqvist"].company == "Cykelverkstan AB" and people["Åsa Lindqvist"].tags == ",vip,newsletter,"
    assert people["Harry Brown"].phone == "+447911123456"


def test_european_purchases_with_decimal_commas(swedish_desk: Engine, data: Path) -> None:
    run(swedish_desk, "customers", data / "customers_excel_semicolon.csv")
    summary = run(swedish_desk, "purchases", data / "purchases_eu.csv", mapping=["Kundens e-post=customer_email"])
    assert counts(summary) == (3, 0, 0, 0)
    with session_scope(swedish_desk) as session:
        rows = {p.external_id: p for p in session.execute(select(Purchase)).scalars()}
    assert (
        rows["A-1001"].amount == Decimal("1234.50")
        and rows["A-1001"].ordered_at.isoformat() == "2025-03-04T10:15:00+00:00"
    )
    assert rows["A-1002"].amount == Decimal("49.90") and rows["A-1002"].ordered_at.date() == date(2025, 6, 1)
    assert (rows["A-1003"].amount, rows["A-1003"].currency) == (Decimal("12499.00"), "SEK")


def test_us_purchases_need_month_first(engine: Engine, data: Path) -> None:
    run(engine, "customers", data / "outlook_contacts.csv")
    summary = run(engine, "purchases", data / "purchases_us.csv", dry_run=True)
    assert summary.counts.rejected == 0 and any("day first" in n for n in summary.notices)
    summary = run(engine, "purchases", data / "purchases_us.csv", dayfirst=False)
    with session_scope(engine) as session:
        rows = {p.external_id: p for p in session.execute(select(Purchase)).scalars()}
    assert rows["US-1"].ordered_at.date() == date(2025, 3, 4) and rows["US-1"].amount == Decimal("1234.50")
    assert rows["US-1"].currency == "USD" and rows["US-2"].ordered_at.date() == date(2025, 12, 25)


def test_interactions_complaints_and_follow_ups(swedish_desk: Engine, data: Path, frozen_now: Any) -> None:
    run(swedish_desk, "customers", data / "customers_excel_semicolon.csv")
    assert counts(run(swedish_desk, "interactions", data / "interactions.csv")) == (4, 0, 0, 0)
    assert counts(run(swedish_desk, "complaints", data / "complaints.json")) == (2, 0, 0, 0)
    assert counts(run(swedish_desk, "followups", data / "followups.csv")) == (3, 0, 0, 0)
    with session_scope(swedish_desk) as session:
        calls = session.execute(select(Interaction).order_by(col(Interaction.occurred_at))).scalars().all()
        cases = {c.external_id: c for c in session.execute(select(Complaint)).scalars()}
        reminders = session.execute(select(FollowUp).order_by(col(FollowUp.due_date))).scalars().all()
    assert [(i.channel, i.direction) for i in calls] == [
        ("call", "in"),
        ("email", "out"),
        ("visit", "in"),
        ("chat", "out"),
    ]
    assert calls[2].score == 10 and calls[1].details == "Quote for 2 tyres, fitted"
    assert (cases["T-1"].status, cases["T-1"].priority) == ("in_progress", "high")
    assert cases["T-1"].first_response_due is not None and cases["T-1"].owner == "tester"
    assert (cases["T-2"].priority, cases["T-2"].status) == ("urgent", "resolved")
    # The 10/10 visit asks for a referral (the desk's own rule, for imported answers too); the file's three.
    assert [(f.kind, f.due_date, f.due_time is not None) for f in reminders] == [
        ("referral_ask", date(2026, 11, 22), False),
        ("thank_you", date(2026, 11, 30), False),
        ("check_in", date(2026, 12, 1), True),
        ("special_day", date(2027, 1, 15), False),
    ]
    assert reminders[2].assignee == "anna" and reminders[1].assignee == "tester"


def test_every_corpus_file_imports_twice_without_change(swedish_desk: Engine, data: Path) -> None:
    files = [
        ("customers", "customers_excel_semicolon.csv", {}),
        ("customers", "google_contacts_old.csv", {}),
        ("customers", "hubspot_contacts.csv", {}),
        ("customers", "customers.json", {}),
        ("customers", "contacts.vcf", {}),
        ("purchases", "purchases_eu.csv", {"mapping": ["Kundens e-post=customer_email"]}),
        ("interactions", "interactions.csv", {}),
        ("complaints", "complaints.json", {}),
        ("followups", "followups.csv", {}),
    ]
    for kind, name, options in files:
        run(swedish_desk, kind, data / name, **options)
    for kind, name, options in files:
        again = run(swedish_desk, kind, data / name, **options)
        assert (again.counts.inserted, again.counts.updated) == (0, 0), name
