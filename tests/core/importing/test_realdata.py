"""Exports as the programs people have write them (tests/data/import/realdata), read whole with no mapping,
and phones read in the customer's own country."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from deskapp.core.customers import service as customers_service
from deskapp.core.customers.contacts import contacts_of
from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing import ImportOptions, ImportSummary, import_file
from deskapp.core.records.contact_tables import ConsentStatus
from deskapp.core.records.errors import ValidationFailed
from deskapp.core.records.settings import save_setting
from deskapp.core.records.tables import Customer, Purchase
from deskapp.core.records.validation import clean_phone, phone_doubt, phone_region_for

REAL = Path(__file__).resolve().parents[2] / "data" / "import" / "realdata"


def run(engine: Engine, kind: str, path: Path, **options: object) -> ImportSummary:
    summary = import_file(engine, kind, path, ImportOptions(**options), staff="tester")  # type: ignore[arg-type]
    assert summary.committed or options.get("dry_run"), [e.as_dict() for e in summary.errors]
    return summary


def people(engine: Engine) -> dict[str, Customer]:
    with session_scope(engine) as session:
        return {c.name: c for c in session.execute(select(Customer)).scalars()}


@pytest.mark.parametrize(
    ("text", "country", "e164"),
    [
        ("070-123 45 67", "SE", "+46701234567"),
        ("+46 70 123 45 67", "Sverige", "+46701234567"),
        ("08-123 456 78", "Sweden", "+46812345678"),
        ("040 123 4567", "FI", "+358401234567"),
        ("+358 40 123 4567", "Suomi", "+358401234567"),
        ("09 1234 5678", "Finland", "+358912345678"),
        ("06 30 123 4567", "HU", "+36301234567"),
        ("+36 30 123 4567", "Magyarország", "+36301234567"),
        ("(1) 234 5678", "Hungary", "+3612345678"),
        ("082 555 1234", "ZA", "+27825551234"),
        ("+27 82 555 1234", "Suid-Afrika", "+27825551234"),
        ("021 555 0199", "South Africa", "+27215550199"),
        ("07911 123456", "GB", "+447911123456"),
        ("+44 7911 123456", "United Kingdom", "+447911123456"),
        ("020 7946 0123", "England", "+442079460123"),
        ("020 7946 0123", "UK", "+442079460123"),
        ("0161 496 0000", "Great Britain", "+441614960000"),
    ],
)
def test_phones_of_the_five_countries_by_code_and_local_name(text: str, country: str, e164: str) -> None:
    # The desk's own region is somewhere else altogether: the customer's country decides.
    assert clean_phone(text, phone_region_for(country, "US"))[0] == e164


def test_a_possible_number_the_metadata_calls_invalid_is_kept_with_a_doubt() -> None:
    e164, raw, _ = clean_phone("+44 7700 900123", "SE")
    assert (e164, raw) == ("+447700900123", "+44 7700 900123")
    assert phone_doubt(e164) and phone_doubt("+447911123456") is None


@pytest.mark.parametrize("text", ["n/a", "12345", "call me"])
def test_what_is_no_phone_at_all_is_still_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        clean_phone(text, "GB")


def test_desk_region_then_the_customers_own_country(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine, write=True) as session:
        save_setting(session, "phone_region", "SE")
    file = tmp_path / "people.csv"
    file.write_text("name,phone,country\nAnna Berg,070-123 45 67,\nThabo Nkosi,082 555 1234,ZA\n", encoding="utf-8")
    run(engine, "customers", file)
    found = people(engine)
    assert found["Anna Berg"].phone == "+46701234567"
    assert (found["Thabo Nkosi"].phone, found["Thabo Nkosi"].country) == ("+27825551234", "ZA")
    with session_scope(engine, write=True) as session:  # the services read it the same way
        made = customers_service.create_customer(session, name="Sipho", phone="082 555 1234", country="Suid-Afrika")
        assert (made.phone, made.country) == ("+27825551234", "ZA")


def test_an_odd_phone_is_a_warning_not_a_refused_file(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "people.csv"
    file.write_text("name,phone\nDrama Person,+44 7700 900123\nNo Phone,n/a\n", encoding="utf-8")
    summary = import_file(engine, "customers", file, ImportOptions(skip_invalid=True), staff="tester")
    assert summary.counts.inserted == 1 and summary.counts.rejected == 1
    assert summary.errors[0].line == 3 and summary.errors[0].column == "phone"
    assert any("+447700900123" in w for w in summary.as_dict()["warnings"])
    assert people(engine)["Drama Person"].phone == "+447700900123"


def test_google_contacts_every_email_phone_address_and_yearless_birthday(engine: Engine) -> None:
    summary = run(engine, "customers", REAL / "google_contacts.csv")
    assert summary.preset == "google-contacts" and summary.counts.inserted == 3
    assert summary.not_imported == ["Photo", "Website 1 - Label", "Website 1 - Value"]
    assert summary.as_dict()["not_imported"] == summary.not_imported
    assert any("+447700900123" in w for w in summary.warnings)  # kept, with a warning
    found = people(engine)
    linnea = found["Linnea Holm"]
    assert (linnea.email, linnea.phone, linnea.company) == ("linnea.holm@example.se", "+46701234567", "Holm Cykel AB")
    assert (linnea.street, linnea.city, linnea.postcode, linnea.region, linnea.country) == (
        "Storgatan 12",
        "Uppsala",
        "753 20",
        "Uppsala län",
        "SE",
    )
    assert json.loads(linnea.special_dates) == [{"label": "birthday", "date": "--06-21"}] and linnea.birthday is None
    assert linnea.tags == ",wholesale," and linnea.notes == "Prefers calls after lunch"
    thabo = found["Thabo Nkosi"]
    assert (thabo.phone, thabo.country, thabo.city) == ("+27825551234", "ZA", "Cape Town")  # read in ZA
    eszter = found["Eszter Varga"]
    assert (eszter.phone, eszter.country, eszter.postcode) == ("+36301234567", "HU", "1011")
    with session_scope(engine) as session:
        assert linnea.id is not None and thabo.id is not None and eszter.id is not None
        extra = contacts_of(session, linnea.id)
        assert [(e.value, e.label) for e in extra.emails] == [("linnea@holmcykel.example.se", "Work")]
        assert [(p.value, p.label, p.raw) for p in extra.phones] == [("+447700900123", "Work", "+44 7700 900123")]
        assert [p.value for p in contacts_of(session, thabo.id).phones] == ["+27215550199"]  # the second of " ::: "
        assert [e.value for e in contacts_of(session, eszter.id).emails] == ["varga.eszter@example.com"]
        # every e-mail and phone finds its customer
        for query in ("linnea@holmcykel", "varga.eszter", "0215550199", "447700900123"):
            names = [c.name for c in customers_service.search_customers(session, query).items]
            assert names and names[0] in ("Linnea Holm", "Thabo Nkosi", "Eszter Varga"), query


def test_google_contacts_again_changes_nothing(engine: Engine) -> None:
    run(engine, "customers", REAL / "google_contacts.csv")
    again = run(engine, "customers", REAL / "google_contacts.csv")
    assert (again.counts.inserted, again.counts.updated) == (0, 0)


def test_shopify_customers_consent_country_tags(engine: Engine) -> None:
    summary = run(engine, "customers", REAL / "shopify_customers.csv")
    assert summary.preset == "shopify-customers" and summary.counts.inserted == 2
    assert summary.not_imported == ["Accepts SMS Marketing", "Total Spent", "Total Orders", "Tax Exempt"]
    found = people(engine)
    aino = found["Aino Virtanen"]
    assert (aino.external_id, aino.email, aino.phone) == ("7012345678901", "aino.virtanen@example.fi", "+358401234567")
    assert (aino.street, aino.city, aino.postcode, aino.country) == (
        "Mannerheimintie 5, A 12",
        "Helsinki",
        "00100",
        "FI",
    )
    assert (
        aino.marketing_consent == ConsentStatus.GIVEN and aino.tags == ",cargo,vip," and aino.notes == "Pays by invoice"
    )
    oliver = found["Oliver Smith"]
    assert (oliver.company, oliver.region, oliver.country, oliver.phone) == (
        "Smith Rides Ltd",
        "ENG",
        "GB",
        "+447700900123",
    )
    assert oliver.marketing_consent == ConsentStatus.WITHDRAWN


def test_shopify_orders_one_purchase_per_order(engine: Engine) -> None:
    run(engine, "customers", REAL / "shopify_customers.csv")
    summary = run(engine, "purchases", REAL / "orders_export.csv")
    assert summary.preset == "shopify-orders" and summary.counts.inserted == 2
    assert any("1 cancelled order left out" in n for n in summary.notices)
    assert "Shipping" in summary.not_imported and "Lineitem sku" in summary.not_imported
    assert "Lineitem name" not in summary.not_imported and "Total" not in summary.not_imported
    with session_scope(engine) as session:
        bought = {p.external_id: p for p in session.execute(select(Purchase)).scalars()}
        by_id = {c.id: c.name for c in session.execute(select(Customer)).scalars()}
    assert set(bought) == {"#1001", "#1002"}
    first = bought["#1001"]
    assert (first.amount, first.currency, by_id[first.customer_id]) == (Decimal("149.70"), "EUR", "Aino Virtanen")
    assert first.ordered_at == datetime(2026, 3, 5, 12, 22, 10, tzinfo=UTC)  # 14:22:10 +0200
    assert first.description == "2 x Bike bell - Brass; Helmet - M; Gift wrap"
    second = bought["#1002"]
    assert (second.amount, second.currency, by_id[second.customer_id]) == (Decimal("45.00"), "GBP", "Oliver Smith")
    again = run(engine, "purchases", REAL / "orders_export.csv")
    assert (again.counts.inserted, again.counts.unchanged) == (0, 2)


def test_apple_vcard_groups_labels_address_and_the_year_1604(engine: Engine) -> None:
    summary = run(engine, "customers", REAL / "apple_contacts.vcf")
    assert summary.counts.inserted == 2 and summary.not_imported == ["URL", "PHOTO"]
    found = people(engine)
    linnea = found["Linnea Holm"]
    assert (linnea.email, linnea.phone, linnea.company) == ("linnea.holm@example.se", "+46701234567", "Holm Cykel AB")
    assert (linnea.street, linnea.city, linnea.region, linnea.postcode, linnea.country) == (
        "Storgatan 12",
        "Uppsala",
        "Uppsala län",
        "753 20",
        "SE",
    )
    assert linnea.birthday is None  # 1604 is Apple's "no year"
    assert json.loads(linnea.special_dates) == [
        {"label": "anniversary", "date": "2015-05-02"},
        {"label": "birthday", "date": "--06-21"},
    ]
    assert linnea.notes == "Met at the spring fair, Uppsala"
    thabo = found["Thabo Nkosi"]
    assert (thabo.phone, thabo.country, thabo.birthday) == ("+27825551234", "ZA", date(1988, 2, 29))
    with session_scope(engine) as session:
        assert linnea.id is not None and thabo.id is not None
        extra = contacts_of(session, linnea.id)
        assert [(e.value, e.label) for e in extra.emails] == [("linnea@holmcykel.example.se", "Shop")]
        assert [(p.value, p.label) for p in extra.phones] == [("+447700900123", "UK mobile")]
        assert [(p.value, p.label) for p in contacts_of(session, thabo.id).phones] == [("+27215550199", "work")]


def test_outlook_export_address_second_email_and_business_phone(engine: Engine) -> None:
    summary = run(engine, "customers", REAL / "outlook_contacts.csv")
    assert summary.preset == "outlook" and summary.counts.inserted == 2
    assert summary.not_imported == ["Job Title", "Spouse", "Web Page"]
    found = people(engine)
    bence = found["Bence Horváth"]
    assert (bence.email, bence.phone, bence.birthday) == ("bence@horvath.example.hu", "+36309876543", date(1979, 4, 3))
    assert (bence.street, bence.city, bence.postcode, bence.country) == ("Váci út 10", "Budapest", "1132", "HU")
    assert bence.company == "Horváth Kerékpár Kft." and bence.tags == ",wholesale,vip,"
    grace = found["Grace Taylor"]
    assert (grace.phone, grace.street, grace.city, grace.country) == ("+442079460123", "5 Mill Lane", "Bristol", "GB")
    with session_scope(engine) as session:
        assert bence.id is not None
        extra = contacts_of(session, bence.id)
        assert [e.value for e in extra.emails] == ["bence.h@example.com"]
        assert [(p.value, p.label) for p in extra.phones] == [("+3612345678", "Business Phone")]


def test_undo_of_an_import_takes_its_further_emails_and_phones_back(engine: Engine, tmp_path: Path) -> None:
    from deskapp.core.io.importing.batches import undo_batch
    from deskapp.core.records.contact_tables import CustomerEmail, CustomerPhone

    first = tmp_path / "first.csv"
    first.write_text("external_id,name,email\nk1,Anna Berg,anna@example.se\n", encoding="utf-8")
    run(engine, "customers", first)
    more = tmp_path / "more.csv"
    more.write_text(
        "external_id,name,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Value,Phone 2 - Value,Country\n"
        "k1,Anna Berg,anna@example.se,anna@work.example.se,070-123 45 67,08-123 456 78,SE\n",
        encoding="utf-8",
    )
    summary = run(engine, "customers", more)
    assert summary.counts.updated == 1 and summary.import_batch is not None
    with session_scope(engine) as session:
        assert [c.name for c in customers_service.search_customers(session, "anna@work").items] == ["Anna Berg"]
    with session_scope(engine, write=True) as session:
        undo_batch(session, summary.import_batch)
    with session_scope(engine) as session:
        assert session.execute(select(CustomerEmail)).first() is None
        assert session.execute(select(CustomerPhone)).first() is None
        anna = session.execute(select(Customer)).scalars().one()
        assert (anna.search_contacts, anna.phone, anna.country) == ("", "", "")
        assert not customers_service.search_customers(session, "anna@work").items


def test_the_new_customer_duplicate_check_reads_the_phone_in_the_customers_country() -> None:
    from deskapp.core.hygiene.likely import profile_from_fields
    from deskapp.core.records.settings import Settings

    fields = {"name": "Thabo Nkosi", "phone": "082 555 1234", "country": "Suid-Afrika"}
    assert profile_from_fields(fields, Settings(phone_region="SE")).phone == "+27825551234"


def test_a_country_or_language_the_desk_cant_name_is_a_warning(engine: Engine, tmp_path: Path) -> None:
    file = tmp_path / "people.csv"
    file.write_text(
        "name,phone,country,preferred language\n"
        "Awa Koné,+225 07 12 34 56 78,Côte d'Ivoire,Bambara\nAnna Berg,070-123 45 67,Sverige,Svenska\n",
        encoding="utf-8",
    )
    with session_scope(engine, write=True) as session:
        save_setting(session, "phone_region", "SE")
    summary = run(engine, "customers", file)
    assert summary.counts.inserted == 2
    assert any("Côte d'Ivoire" in w and "left empty" in w for w in summary.warnings)
    assert any("Bambara" in w for w in summary.warnings)
    found = people(engine)
    assert (found["Awa Koné"].country, found["Awa Koné"].language, found["Awa Koné"].phone) == (
        "",
        "",
        "+2250712345678",
    )
    assert (found["Anna Berg"].country, found["Anna Berg"].language) == ("SE", "sv")
