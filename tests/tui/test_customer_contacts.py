"""The customer page shows what a contact has: further e-mails and phones with their labels, the address,
language, consent and yearless special days, all as plain text."""

from __future__ import annotations

from pathlib import Path

from deskapp.core.activity.desk import customer_profile
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.tui.pages.customer import profile_card
from tests.core.test_contacts import make_linnea


def test_profile_card_lists_every_way_to_reach_the_customer(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "desk.db")
    cid = make_linnea(engine)
    with session_scope(engine, write=True) as s:
        customers.update_customer(
            s, cid, marketing_consent="withdrawn", consent_at="2026-02-01T12:00:00+00:00",
            consent_source="[bold]unsubscribe link[/]",
        )  # fmt: skip
        card = profile_card(customer_profile(s, cid)).plain
    engine.dispose()
    assert "Shop" in card and "linnea@holmcykel.example.se" in card
    assert "UK mobile" in card and "+44 7700 900123" in card
    assert "Storgatan 12, 753 20 Uppsala, SE" in card and "Language     sv" in card
    assert "withdrawn 2026-02-01 ([bold]unsubscribe link[/])" in card  # user text stays text
    assert "Birthday     every 06-21" in card
