"""Exports: public field names, spreadsheet-safe CSV, vCard 4.0 and iCalendar that other programs read."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.activity import service as activity
from deskapp.core.customers.service import create_customer
from deskapp.core.db.engine import session_scope
from deskapp.core.io.exporting import FIELDS, ExportError, export_records
from deskapp.core.io.importing.vcard import read_cards
from tests.core.ids import id_of


@pytest.fixture
def desk(engine: Engine, frozen_now: Any) -> Engine:
    with session_scope(engine, staff="anna", write=True) as session:
        ann = create_customer(
            session,
            name='=HYPERLINK("http://evil")',
            email="ann@example.com",
            phone="+46 70-123 45 67",
            tags="vip, b2b",
            notes="-2+3\nsecond line; with, separators",
            external_id="C1",
            birthday="1980-01-15",
        )
        bo = create_customer(session, name="Bo Ödmark", company="@home AB")
        activity.record_purchase(session, id_of(ann), amount="-12.50", ordered_at="2025-01-01T10:00:00+00:00")
        activity.schedule_follow_up(session, id_of(bo), due="2026-12-01 10:30", note="Call, then email; ok?")
        activity.schedule_follow_up(session, id_of(ann), due=date(2026, 12, 2), kind="thank_you")
        done = activity.schedule_follow_up(session, id_of(ann), due=date(2026, 12, 3))
        activity.complete_follow_up(session, id_of(done))
    return engine


def export(engine: Engine, kind: str, fmt: str, **options: Any) -> str:
    out = io.StringIO()
    with session_scope(engine) as session:
        export_records(session, kind, out, fmt, **options)
    return out.getvalue()


def test_csv_uses_public_field_names_and_neutralises_formulas(desk: Engine) -> None:
    text = export(desk, "customers", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(FIELDS["customers"])
    ann = rows[0]
    assert ann["name"] == '\'=HYPERLINK("http://evil")'
    assert ann["notes"] == "'-2+3\nsecond line; with, separators"
    assert ann["phone"] == "'+46701234567" and ann["tags"] == "vip,b2b"
    assert rows[1]["company"] == "'@home AB"
    purchases = list(csv.DictReader(io.StringIO(export(desk, "purchases", "csv"))))
    assert purchases[0]["amount"] == "-12.50"  # numbers are numbers, not text to neutralise
    assert purchases[0]["customer_external_id"] == "C1" and purchases[0]["customer_email"] == "ann@example.com"


def test_every_cell_a_spreadsheet_would_run_is_neutralised(desk: Engine) -> None:
    for kind in FIELDS:
        for row in csv.reader(io.StringIO(export(desk, kind, "csv"))):
            for cell in row:
                assert cell[:1] not in ("=", "+", "@", "\t", "\r") and not (cell[:1] == "-" and not _number(cell))


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def test_excel_flag_adds_the_bom_and_delimiter_is_configurable(desk: Engine) -> None:
    text = export(desk, "customers", "csv", excel=True, delimiter=";")
    assert text.startswith("\ufeffid;external_id;name")


def test_json_and_jsonl_carry_lists_and_exact_money(desk: Engine) -> None:
    items = json.loads(export(desk, "customers", "json"))
    assert items[0]["tags"] == ["vip", "b2b"] and items[0]["birthday"] == "1980-01-15"
    assert items[0]["created_at"].endswith("+00:00")
    lines = export(desk, "purchases", "jsonl").splitlines()
    assert json.loads(lines[0])["amount"] == "-12.50"
    assert export(desk, "complaints", "json") == "[]\n"


def test_vcard_4(desk: Engine) -> None:
    text = export(desk, "customers", "vcf")
    assert text.count("BEGIN:VCARD") == 2 and "VERSION:4.0\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "TEL;VALUE=uri;TYPE=voice:tel:+46701234567" in text and "BDAY:19800115" in text
    cards = [c.values for c in read_cards(io.StringIO(text, newline=""))]
    assert cards[0]["name"] == '=HYPERLINK("http://evil")' and cards[0]["external_id"] == "C1"
    assert cards[0]["notes"] == "-2+3\nsecond line; with, separators" and cards[0]["tags"] == ["vip", "b2b"]
    assert cards[1]["company"] == "@home AB" and cards[1]["stage"] == "awareness"


def test_icalendar_lists_pending_follow_ups(desk: Engine) -> None:
    text = export(desk, "followups", "ics")
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and text.endswith("END:VCALENDAR\r\n")
    # the completed check-in is left out; completing it scheduled the next one (the stage's cadence)
    assert text.count("BEGIN:VEVENT") == 3 and "20261203" not in text
    assert "DTSTART:20261201T103000\r\nDURATION:PT30M" in text
    assert "DTSTART;VALUE=DATE:20261202" in text
    assert "SUMMARY:Check in: Bo Ödmark" in text and "Call\\, then email\\; ok?" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_formats_that_do_not_fit_the_kind_are_refused(desk: Engine) -> None:
    with pytest.raises(ExportError, match="not offered"):
        export(desk, "purchases", "vcf")
    with pytest.raises(ExportError, match="unknown kind"):
        export(desk, "staff", "csv")


def test_exports_stream_in_pages(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.core.io import exporting

    monkeypatch.setattr(exporting, "PAGE", 3)
    with session_scope(engine, write=True) as session:
        for i in range(10):
            create_customer(session, name=f"N{i}")
    assert [r["name"] for r in json.loads(export(engine, "customers", "json"))] == [f"N{i}" for i in range(10)]
