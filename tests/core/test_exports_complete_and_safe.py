"""A person's export holds everything the desk keeps about them; a CSV export runs nothing in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal, InvalidOperation

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.history.privacy import person_record
from deskapp.core.io.exporting import FIELDS, export_records
from tests.core.test_erasure_bytes import _build_person


def test_a_persons_export_holds_the_whole_trail(engine: Engine) -> None:
    person_id, _ = _build_person(engine)
    with session_scope(engine) as session:
        record = person_record(session, person_id)
    entities = {e["entity"] for e in record["audit_entry"]}
    assert {"customer", "complaint", "interaction", "purchase", "referral"} <= entities
    assert len(record["merge_record"]) == 1
    duplicate = record["merge_record"][0]["other_id"]
    assert any(e["entity"] == "customer" and e["entity_id"] == duplicate for e in record["audit_entry"])
    assert "Duplikatnotiz" in json.dumps(record, ensure_ascii=False)
    assert [b["before"] for b in record["bulk_edit"]] == [",vip-club,"]
    assert "ann@example.org" not in json.dumps(record["bulk_edit"])  # another person's values stay out


FORMULAS = ("=1+2", "@x", "-neg", "+sum", "\tTab")


def _number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


@pytest.mark.parametrize("excel", [False, True])
def test_every_text_cell_of_every_export_is_neutralised(engine: Engine, excel: bool) -> None:
    with session_scope(engine, staff="tester", write=True) as session:
        c = customers.create_customer(
            session, name="=HYPERLINK(1)", company="@corp", tags=",".join(FORMULAS), notes="-2+3", source="+src"
        )
        assert c.id is not None
        activity.log_interaction(session, c.id, channel="call", summary="=cmd", details="@d")
        activity.record_purchase(session, c.id, amount="-5.25", description="+desc")
        activity.open_complaint(session, c.id, subject="-subj", details="=x")
    with session_scope(engine) as session:
        for kind in FIELDS:
            out = io.StringIO()
            export_records(session, kind, out, "csv", excel=excel)
            for row in csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))):
                bad = [cell for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(cell)]
                assert bad == [], (kind, bad)
