"""A customer has what a contact has: address, consent, language, further e-mails and phones, and each of
them is found, exported (and read back), merged, and erased."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers
from deskapp.core.customers.contacts import contacts_of, set_contacts
from deskapp.core.db.engine import session_scope
from deskapp.core.history.privacy import erase_person, person_record
from deskapp.core.hygiene import merge
from deskapp.core.io.exporting import export_records
from deskapp.core.io.importing import ImportOptions, import_file
from deskapp.core.records.contact_tables import ConsentStatus, CustomerEmail, CustomerPhone
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.tables import Customer


def make_linnea(engine: Engine) -> int:
    with session_scope(engine, staff="tester", write=True) as s:
        linnea = customers.create_customer(
            s,
            name="Linnea Holm",
            email="linnea.holm@example.se",
            phone="070-123 45 67",
            street="Storgatan 12",
            postcode="753 20",
            city="Uppsala",
            country="Sverige",
            language="sv",
            marketing_consent="given",
            consent_at="2026-01-10T10:00:00+00:00",
            consent_source="signed up in the shop",
            special_dates=[{"label": "birthday", "date": "--06-21"}],
        )
        assert linnea.id is not None
        set_contacts(
            s,
            linnea.id,
            emails=[("linnea@holmcykel.example.se", "Shop")],
            phones=[("018-12 34 56", "Shop"), ("+44 7700 900123", "UK mobile")],
        )
        return linnea.id


def test_contact_fields_are_cleaned_and_phones_read_in_the_customers_country(engine: Engine) -> None:
    cid = make_linnea(engine)
    with session_scope(engine) as s:
        c = customers.get_customer(s, cid)
        assert (c.country, c.phone, c.marketing_consent) == ("SE", "+46701234567", ConsentStatus.GIVEN)
        held = contacts_of(s, cid)
        assert [(p.value, p.label) for p in held.phones] == [("+4618123456", "Shop"), ("+447700900123", "UK mobile")]
        snapshot = customers.customer_snapshot(c)
        assert snapshot["city"] == "Uppsala" and snapshot["marketing_consent"] == "given"
    with session_scope(engine, write=True) as s, pytest.raises(ValidationFailed) as failed:
        customers.update_customer(s, cid, country="Atlantis", language="not a language!")
    assert {e.field for e in failed.value.errors} == {"country", "language"}


def test_every_email_and_phone_is_searchable(engine: Engine) -> None:
    cid = make_linnea(engine)
    with session_scope(engine) as s:
        for query in ("linnea@holmcykel", "holmcykel", "018123456", "447700900123", "07700900123"):
            assert [c.id for c in customers.search_customers(s, query).items] == [cid], query
    with session_scope(engine, write=True) as s:
        set_contacts(s, cid, emails=[])  # taken away: no longer found by it
    with session_scope(engine) as s:
        assert not customers.search_customers(s, "holmcykel").items


def test_exports_carry_everything_and_read_back(engine: Engine, tmp_path: Path) -> None:
    cid = make_linnea(engine)
    for fmt in ("csv", "json", "vcf"):
        out = io.StringIO()
        with session_scope(engine) as s:
            export_records(s, "customers", out, fmt)
        text = out.getvalue()
        assert "linnea@holmcykel.example.se" in text and ("+447700900123" in text or "+44 7700 900123" in text), fmt
        if fmt == "csv":
            assert "E-mail 2 - Value" in text.splitlines()[0] and "Phone 3 - Label" in text.splitlines()[0]
        if fmt == "vcf":
            assert "ADR:;;Storgatan 12;Uppsala;;753 20;SE" in text and "X-ABLabel:UK mobile" in text
        if fmt == "json":
            record = json.loads(text)[0]
            assert record["emails"] == [{"value": "linnea@holmcykel.example.se", "label": "Shop"}]
            assert record["marketing_consent"] == "given" and record["country"] == "SE"
        file = tmp_path / f"linnea.{fmt}"
        file.write_text(text, encoding="utf-8")
        other = tmp_path / f"other-{fmt}.db"
        from deskapp.core.db.engine import open_engine

        desk = open_engine(other)
        summary = import_file(desk, "customers", file, ImportOptions(), staff="tester")
        assert summary.committed and summary.counts.inserted == 1, [e.as_dict() for e in summary.errors]
        with session_scope(desk) as s:
            back = s.execute(select(Customer)).scalars().one()
            assert (back.street, back.city, back.postcode, back.country, back.language) == (
                "Storgatan 12",
                "Uppsala",
                "753 20",
                "SE",
                "sv",
            ), fmt
            assert back.marketing_consent == ConsentStatus.GIVEN, fmt
            assert json.loads(back.special_dates) == [{"label": "birthday", "date": "--06-21"}], fmt
            assert back.id is not None
            held = contacts_of(s, back.id)
            assert [(e.value, e.label) for e in held.emails] == [("linnea@holmcykel.example.se", "Shop")], fmt
            assert [(p.value, p.label) for p in held.phones] == [
                ("+4618123456", "Shop"),
                ("+447700900123", "UK mobile"),
            ], fmt
        desk.dispose()
    assert cid


def test_merge_keeps_every_way_to_reach_the_person_and_undo_puts_it_back(engine: Engine) -> None:
    cid = make_linnea(engine)
    with session_scope(engine, staff="tester", write=True) as s:
        twin = customers.create_customer(
            s, name="Linnea Holm", email="linnea.h@gmail.example.com", phone="+46 73 555 00 11", city="Stockholm"
        )
        assert twin.id is not None
        set_contacts(s, twin.id, emails=[("lh@old.example.se", "old")])
        twin_id = twin.id
    with session_scope(engine, staff="tester", write=True) as s:
        plan = merge.plan_merge(s, cid, twin_id)
        fields = {f.field: f for f in plan.fields}
        assert (
            fields["address"].survivor == "Storgatan 12, 753 20, Uppsala, SE" and fields["address"].other == "Stockholm"
        )
        result = merge.merge_customers(s, cid, twin_id, picks={"address": "survivor"})
        kept = customers.get_customer(s, cid)
        assert (kept.city, kept.street) == ("Uppsala", "Storgatan 12")
        held = contacts_of(s, cid)
        emails = {kept.email, *(e.value for e in held.emails)}
        assert emails == {
            "linnea.holm@example.se",
            "linnea.h@gmail.example.com",
            "linnea@holmcykel.example.se",
            "lh@old.example.se",
        }
        phones = {kept.phone, *(p.value for p in held.phones)}
        assert phones == {"+46701234567", "+46735550011", "+4618123456", "+447700900123"}
        assert [c.id for c in customers.search_customers(s, "lh@old").items] == [cid]
        merge_id = result.merge_id
    with session_scope(engine, staff="tester", write=True) as s:
        merge.undo_merge(s, merge_id)
    with session_scope(engine) as s:
        assert [e.value for e in contacts_of(s, twin_id).emails] == ["lh@old.example.se"]
        assert [e.value for e in contacts_of(s, cid).emails] == ["linnea@holmcykel.example.se"]
        assert customers.get_customer(s, twin_id).city == "Stockholm"


def test_erase_removes_address_consent_and_every_email_and_phone(engine: Engine) -> None:
    cid = make_linnea(engine)
    with session_scope(engine, write=True) as s:
        record = person_record(s, cid)
        assert [r["address"] for r in record["customer_email"]] == ["linnea@holmcykel.example.se"]
        assert len(record["customer_phone"]) == 2 and record["customer"]["street"] == "Storgatan 12"
        erase_person(s, cid)
    with session_scope(engine) as s:
        c = customers.get_customer(s, cid)
        assert (c.street, c.city, c.postcode, c.country, c.language, c.search_contacts) == ("",) * 6
        assert c.marketing_consent is None and c.consent_at is None and c.consent_source == ""
        assert s.execute(select(func.count()).select_from(CustomerEmail)).scalar() == 0
        assert s.execute(select(func.count()).select_from(CustomerPhone)).scalar() == 0
        assert not customers.search_customers(s, "holmcykel").items
