from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from deskapp.core.customers import clean_customer_fields, customer_cleaners, lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import DeskSession, session_scope
from deskapp.core.records import CUSTOMER_FIELDS, EDITABLE_FIELDS, PUBLIC_COLUMNS, STORED_COLUMNS, Settings
from deskapp.core.records.errors import ConflictError, NotFound, ValidationFailed
from deskapp.core.records.tables import Customer, OwnerChange, Stage, id_of, table_of


def test_create_normalises_and_defaults(session: DeskSession) -> None:
    c = customers.create_customer(
        session,
        name="  Thandiwe Nkosi ",
        email="Thandi@Example.CO.ZA",
        phone="+27 82 555 1234",
        tags="VIP; family ,vip",
        source="Walk-in",
        birthday="1990-04-02",
    )
    assert c.name == "Thandiwe Nkosi"
    assert c.email == "Thandi@example.co.za"
    assert c.phone == "+27825551234" and c.phone_raw == "+27 82 555 1234"
    assert customers.to_row(c).tags == ("vip", "family")
    assert c.source == "walk-in"
    assert c.owner == "tester"  # whoever is at the desk
    assert c.stage == Stage.AWARENESS
    assert c.birthday == date(1990, 4, 2)
    assert [h.to_stage for h in lifecycle.stage_history(session, id_of(c))] == [Stage.AWARENESS]


def test_phone_uses_the_configured_region(session: DeskSession) -> None:
    from deskapp.core.records.settings import save_setting

    save_setting(session, "phone_region", "SE")
    c = customers.create_customer(session, name="Åsa", phone="070-123 45 67")
    assert c.phone == "+46701234567"


def test_every_bad_field_is_reported_and_nothing_saved(engine: Engine) -> None:
    with pytest.raises(ValidationFailed) as caught:
        with session_scope(engine, write=True) as s:
            customers.create_customer(s, name="", email="not-an-email", phone="12", birthday="31.02.2020")
    fields = {e.field for e in caught.value.errors}
    assert fields == {"name", "email", "phone", "birthday"}
    assert caught.value.for_field("email")
    with session_scope(engine) as s:
        assert s.execute(select(Customer)).first() is None


def test_unknown_fields_are_refused(session: DeskSession) -> None:
    with pytest.raises(ValidationFailed, match="not a customer field"):
        customers.create_customer(session, name="A", shoe_size=42)


def test_external_id_is_unique(session: DeskSession) -> None:
    customers.create_customer(session, name="A", external_id="X1")
    with pytest.raises(ValidationFailed, match="another customer"):
        customers.create_customer(session, name="B", external_id="X1")


def test_update_records_owner_changes_and_bumps_version(session: DeskSession) -> None:
    c = customers.create_customer(session, name="A", owner="anna")
    updated = customers.update_customer(session, id_of(c), owner="bence", notes="moved desk")
    assert updated.version == 2 and updated.owner == "bence"
    changes = session.execute(select(OwnerChange)).scalars().all()
    assert [(o.from_owner, o.to_owner, o.staff) for o in changes] == [("anna", "bence", "tester")]


def test_stale_update_is_refused_with_the_newer_values(session: DeskSession) -> None:
    c = customers.create_customer(session, name="A")
    customers.update_customer(session, id_of(c), expected_version=1, company="First Ltd")
    with pytest.raises(ConflictError) as caught:
        customers.update_customer(session, id_of(c), expected_version=1, company="Second Ltd")
    assert caught.value.current["company"] == "First Ltd"
    assert customers.get_customer(session, id_of(c)).company == "First Ltd"


def test_stage_is_not_changed_by_update(session: DeskSession) -> None:
    c = customers.create_customer(session, name="A")
    with pytest.raises(ValidationFailed, match="change_stage"):
        customers.update_customer(session, id_of(c), stage="advocacy")


def test_archive_hides_from_search_but_keeps_the_record(session: DeskSession) -> None:
    c = customers.create_customer(session, name="Gone Away")
    customers.archive_customer(session, id_of(c))
    assert customers.search_customers(session, "gone").items == ()
    assert customers.search_customers(session, "gone", include_archived=True).items[0].id == c.id
    assert customers.get_customer(session, c.id).archived


def test_missing_customer(session: DeskSession) -> None:
    with pytest.raises(NotFound):
        customers.get_customer(session, 12345)


def test_filters_and_paging(session: DeskSession) -> None:
    for i in range(7):
        customers.create_customer(
            session, name=f"Person {i}", owner="anna" if i % 2 else "bence", tags="vip" if i < 3 else "", source="web"
        )
    assert [r.name for r in customers.search_customers(session, owner="anna").items] == [
        "Person 1",
        "Person 3",
        "Person 5",
    ]
    assert len(customers.search_customers(session, tag="vip").items) == 3
    first = customers.search_customers(session, limit=3)
    second = customers.search_customers(session, limit=3, offset=3)
    assert first.has_more and second.has_more
    assert {r.id for r in first}.isdisjoint({r.id for r in second})
    assert customers.distinct_values(session, "owner") == ["anna", "bence", "tester"] or customers.distinct_values(
        session, "owner"
    ) == ["anna", "bence"]
    assert customers.distinct_values(session, "tags") == ["vip"]
    assert [r.name for r in customers.search_customers(session, sort="-name", limit=2)] == ["Person 6", "Person 5"]


def test_timeline_is_newest_first_and_paged(session: DeskSession, frozen_now: datetime) -> None:
    from datetime import timedelta

    from deskapp.core.activity import service as activity

    c = customers.create_customer(session, name="A")
    for days in (5, 1, 3):
        activity.log_interaction(
            session, id_of(c), channel="call", summary=f"{days} days ago", occurred_at=frozen_now - timedelta(days=days)
        )
    page = customers.timeline(session, id_of(c), limit=3)
    assert [e.title for e in page] == ["stage new → awareness [automatic]", "call → 1 days ago", "call → 3 days ago"]
    assert page.has_more
    rest = customers.timeline(session, id_of(c), offset=3, limit=10)
    assert [e.title for e in rest] == ["call → 5 days ago"] and not rest.has_more


def test_the_field_registry_covers_the_customer_table_and_the_cleaners() -> None:
    columns = {c.name for c in table_of(Customer).columns}
    assert set(STORED_COLUMNS) == columns - {"id", "search_text"}  # search_text: PostgreSQL's trigger keeps it
    assert len(STORED_COLUMNS) == len(set(STORED_COLUMNS))
    cleaners = customer_cleaners(Settings())
    assert list(cleaners) == [*EDITABLE_FIELDS, "archived"]
    cleaned = clean_customer_fields({"name": "Ann", "phone": "+44 20 7946 0958"}, Settings())
    for field in CUSTOMER_FIELDS:  # each field's cleaner writes the columns the registry says it writes
        assert {k for k in cleaned if k in field.columns or k == field.name} == set(field.columns)


def test_a_snapshot_shows_the_public_columns_in_registry_order(session: DeskSession) -> None:
    c = customers.create_customer(session, name="Ann", phone="+44 20 7946 0958", tags="vip")
    snapshot = customers.customer_snapshot(c)
    assert tuple(snapshot) == PUBLIC_COLUMNS and "search_phone" not in snapshot
    assert snapshot["tags"] == ["vip"] and snapshot["stage"] == "awareness" and snapshot["birthday"] is None
    assert snapshot["created_at"] == c.created_at.isoformat() and snapshot["special_dates"] == []
