"""The customer page shows what a contact has: further e-mails and phones with their labels, the address,
language, consent and yearless special days, all as plain text."""

from __future__ import annotations

from pathlib import Path

from deskapp.core.activity.desk import customer_profile
from deskapp.core.customers import service as customers
from deskapp.core.customers.contacts import set_contacts
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.tui.pages.customer import profile_card


def test_profile_card_lists_every_way_to_reach_the_customer(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "desk.db")
    with session_scope(engine, staff="tester", write=True) as s:
        c = customers.create_customer(
            s,
            name="Linnea Holm",
            email="linnea.holm@example.se",
            phone="070-123 45 67",
            street="Storgatan 12",
            postcode="753 20",
            city="Uppsala",
            country="SE",
            language="sv",
            marketing_consent="withdrawn",
            consent_at="2026-02-01T12:00:00+00:00",
            consent_source="[bold]unsubscribe link[/]",
            special_dates=[{"label": "birthday", "date": "--06-21"}],
        )
        assert c.id is not None
        set_contacts(s, c.id, emails=[("linnea@holmcykel.example.se", "Shop")], phones=[("+44 7700 900123", "UK")])
        card = profile_card(customer_profile(s, c.id)).plain
    engine.dispose()
    assert "Shop" in card and "linnea@holmcykel.example.se" in card
    assert "UK" in card and "+44 7700 900123" in card
    assert "Storgatan 12, 753 20 Uppsala, SE" in card and "Language     sv" in card
    assert "withdrawn 2026-02-01 ([bold]unsubscribe link[/])" in card  # user text stays text
    assert "Birthday     every 06-21" in card
