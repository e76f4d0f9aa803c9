"""The preview of one pair before a merge: the older customer survives by default, `keep` overrides it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.hygiene.pairs import default_survivor, merge_preview
from deskapp.core.records.errors import ValidationFailed
from tests.core.ids import id_of

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def pair(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Ann (older, lower id) and her newer duplicate with a call logged; (older id, newer id)."""
    monkeypatch.setattr("deskapp.core.records.clock.now", lambda: T0)
    with session_scope(engine, staff="anna", write=True) as s:
        old = customers.create_customer(s, name="Ann Smith", phone="+44 20 7946 0001", email="ann@example.com")
    monkeypatch.setattr("deskapp.core.records.clock.now", lambda: T0 + timedelta(days=3))
    with session_scope(engine, staff="anna", write=True) as s:
        new = customers.create_customer(s, name="Anne Smith", phone="+44 20 7946 0001", email="anne@work.example")
        activity.log_interaction(s, id_of(new), channel="call", summary="Asked about prices")
    assert old.id is not None and new.id is not None
    return old.id, new.id


def test_the_older_customer_survives_by_default(engine: Engine, pair: tuple[int, int]) -> None:
    old, new = pair
    with session_scope(engine) as s:
        assert default_survivor(s, new, old) == old
        preview = merge_preview(s, new, old)
    assert (preview.plan.survivor_id, preview.plan.other_id) == (old, new)
    assert (preview.survivor_name, preview.other_name) == ("Ann Smith", "Anne Smith")
    assert preview.plan.moves["interaction"] == 1
    assert preview.score >= 60 and "same phone" in preview.reasons
    email = next(f for f in preview.plan.fields if f.field == "email")
    assert (email.survivor, email.other, email.taken) == ("ann@example.com", "anne@work.example", "other")


def test_keep_and_picks_are_passed_to_the_plan(engine: Engine, pair: tuple[int, int]) -> None:
    old, new = pair
    with session_scope(engine) as s:
        preview = merge_preview(s, old, new, keep=new, picks={"email": "other"})
        assert (preview.plan.survivor_id, preview.plan.other_id) == (new, old)
        assert preview.plan.moves["interaction"] == 0
        email = next(f for f in preview.plan.fields if f.field == "email")
        assert (email.result, email.taken) == ("ann@example.com", "other")
        with pytest.raises(ValidationFailed):
            merge_preview(s, old, new, keep=old + new + 100)
