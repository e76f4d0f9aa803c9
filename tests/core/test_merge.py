"""Merging two customers and undoing it: field choices, moved history, exact restore, refusals."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col

from deskapp.core.activity import service as activity
from deskapp.core.customers import lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.hygiene import merge
from deskapp.core.hygiene.merge_undo import UndoRefused
from deskapp.core.records.errors import DeskError, InvalidTransition, NotFound, ValidationFailed
from deskapp.core.records.tables import AuditEntry, Customer, Interaction, Referral, StageChange
from tests.core.ids import id_of

NOT_DUMPED = {"audit_entry", "merge_record", "alembic_version"}


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every desk table (but the audit trail and the merge records), in primary-key order."""
    out = {}
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())  # an older schema lacks the newer tables
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in NOT_DUMPED and table.name in present:
                there = {c["name"] for c in inspect(conn).get_columns(table.name)}  # and an older table, columns
                columns = [c for c in table.c if c.name in there]
                rows = conn.execute(select(*columns).order_by(*table.primary_key.columns)).mappings()
                out[table.name] = [dict(r) for r in rows]
    return out


def clock_at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr("deskapp.core.records.clock.now", lambda: moment)


T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Anna (older, a buyer) and her duplicate Anna B. (newer, a lead with her own history), plus others
    around them: who referred whom, complaints with follow-ups, purchases."""
    clock_at(monkeypatch, T0)
    with session_scope(engine, staff="anna", write=True) as s:
        a = customers.create_customer(
            s, name="Anna Berg", email="anna@example.com", tags="vip", source="walk-in", notes="Likes blue."
        )
        d = customers.create_customer(s, name="Dora Referrer")
        c = customers.create_customer(s, name="Carl Referrer")
        e = customers.create_customer(s, name="Eve Friend")
        activity.record_purchase(s, id_of(a), amount="120.00", ordered_at=T0)
        activity.record_referral(s, id_of(d), id_of(a))
    clock_at(monkeypatch, T0 + timedelta(days=5))
    with session_scope(engine, staff="bence", write=True) as s:
        b = customers.create_customer(
            s,
            name="Anna B.",
            email="Anna.Berg+shop@gmail.com",
            phone="+46701234567",
            tags="newsletter, vip",
            source="web",
            owner="bence",
            notes="Asked about delivery.",
            birthday="1990-04-02",
            special_dates=[{"label": "wedding", "date": "2015-06-01"}],
            external_id="shop-77",
        )
        activity.log_interaction(s, id_of(b), channel="call", summary="Asked about a bike")
        complaint = activity.open_complaint(s, id_of(b), subject="Late delivery")
        activity.resolve_complaint(s, id_of(complaint), resolution="Refunded shipping")
        activity.schedule_follow_up(s, id_of(b), due="2026-12-01", note="call back")
        activity.record_purchase(s, id_of(b), amount="30.00", ordered_at=T0 + timedelta(days=5))
        activity.record_referral(s, id_of(c), id_of(b))  # B was referred by C; A already by D
        activity.record_referral(s, id_of(b), id_of(e))  # B referred E
    clock_at(monkeypatch, T0 + timedelta(days=10))
    return {"a": id_of(a), "b": id_of(b), "c": id_of(c), "d": id_of(d), "e": id_of(e)}


def test_merge_moves_history_and_chooses_fields(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, staff="tester", write=True) as s:
        result = merge.merge_customers(s, desk["a"], desk["b"])
    taken = {f.field: f.taken for f in result.fields}
    with session_scope(engine) as s:
        assert s.get(Customer, desk["b"]) is None
        kept = s.get(Customer, desk["a"])
        assert kept is not None
        assert kept.name == "Anna B."  # the newer record's value ...
        assert kept.email == "Anna.Berg+shop@gmail.com"
        assert kept.phone == "+46701234567" and kept.phone_raw == "+46701234567"
        assert kept.source == "walk-in"  # ... but how they first came stays
        assert customers.to_row(kept).tags == ("vip", "newsletter")  # united
        assert kept.notes == "Likes blue.\n\nAsked about delivery."  # joined
        assert kept.external_id == "shop-77"
        assert kept.created_at == T0  # customer since the earlier date
        assert str(kept.stage) == "advocacy"  # B referred E: the stage furthest along wins
        assert json.loads(kept.special_dates) == [{"label": "wedding", "date": "2015-06-01"}]
        assert taken["name"] == "other" and taken["source"] == "survivor" and taken["tags"] == "both"
        assert {r.customer_id for r in s.execute(select(Interaction)).scalars()} == {desk["a"]}
        referrals = {(r.referrer_id, r.referred_id) for r in s.execute(select(Referral)).scalars()}
        assert referrals == {(desk["d"], desk["a"]), (desk["a"], desk["e"])}  # one "referred by" kept
        assert customers.timeline(s, desk["a"]).items  # one history
        assert customers.search_customers(s, "Anna").items[0].id == desk["a"]
        assert len(customers.search_customers(s, "Anna")) == 1  # the merged-away row is gone from search
        entry = s.execute(select(AuditEntry).where(col(AuditEntry.action) == "merge")).scalars().one()
        assert json.loads(entry.changes)["merged"] == desk["b"] and entry.staff == "tester"
    assert result.moved["interaction"] >= 1 and result.moved["complaint"] == 1 and result.moved["referral"] == 1


def test_merge_then_undo_restores_every_table(engine: Engine, desk: dict[str, int]) -> None:
    before = dump(engine)
    with session_scope(engine, staff="tester", write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"]).merge_id
    assert dump(engine) != before
    with session_scope(engine, staff="tester", write=True) as s:
        undone = merge.undo_merge(s, merge_id)
    assert dump(engine) == before
    assert undone.moved_back["interaction"] >= 1 and not undone.notes
    with session_scope(engine) as s:
        assert {r.id for r in customers.search_customers(s, "Anna").items} == {desk["a"], desk["b"]}
        assert merge.list_merges(s)[0].undone_at is not None
        assert s.execute(select(AuditEntry).where(col(AuditEntry.action) == "unmerge")).first() is not None
    with session_scope(engine, write=True) as s, pytest.raises(InvalidTransition, match="already undone"):
        merge.undo_merge(s, merge_id)


def test_explicit_picks_and_a_merge_within_one_session(engine: Engine, desk: dict[str, int]) -> None:
    before = dump(engine)
    with session_scope(engine, write=True) as s:
        picks = {"name": "survivor", "owner": "survivor"}
        plan = merge.plan_merge(s, desk["a"], desk["b"], picks=picks)
        assert plan.changes()["stage"] == "advocacy" and plan.moves["referral"] == 2
        assert "name" not in plan.changes() and "owner" not in plan.changes()
        result = merge.merge_customers(s, desk["a"], desk["b"], picks=picks)
        kept = s.get(Customer, desk["a"])
        assert kept is not None and kept.name == "Anna Berg"
        history = lifecycle.stage_history(s, desk["a"])
        assert history[-1].reason == f"merged with customer {desk['b']}"
        merge.undo_merge(s, result.merge_id)
    assert dump(engine) == before


def test_undo_refused_when_the_survivor_was_edited_after(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"]).merge_id
    with session_scope(engine, write=True) as s:
        customers.update_customer(s, desk["a"], name="Anna Berg-Lind", cadence_days=30)
    with session_scope(engine, write=True) as s, pytest.raises(UndoRefused) as refused:
        merge.undo_merge(s, merge_id)
    assert f"customer {desk['a']} was changed after the merge (name)" in str(refused.value)
    with session_scope(engine) as s:
        assert s.get(Customer, desk["b"]) is None  # nothing was done


def test_undo_keeps_later_edits_to_fields_the_merge_left_alone(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"], picks={"name": "survivor"}).merge_id
        activity.log_interaction(s, desk["a"], channel="email", summary="after the merge")
    with session_scope(engine, write=True) as s:
        customers.update_customer(s, desk["a"], cadence_days=21)
    with session_scope(engine, write=True) as s:
        merge.undo_merge(s, merge_id)
    with session_scope(engine) as s:
        a, b = s.get(Customer, desk["a"]), s.get(Customer, desk["b"])
        assert a is not None and b is not None
        assert a.cadence_days == 21 and a.email == "anna@example.com" and b.external_id == "shop-77"
        summaries = {
            i.summary for i in s.execute(select(Interaction).where(col(Interaction.customer_id) == desk["a"])).scalars()
        }
        assert "after the merge" in summaries  # new history stays with the survivor


def test_later_merge_must_be_undone_first(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        first = merge.merge_customers(s, desk["a"], desk["b"]).merge_id
        second = merge.merge_customers(s, desk["c"], desk["a"]).merge_id
        assert merge.merged_into(s, desk["b"]) == desk["c"]
    with session_scope(engine, write=True) as s, pytest.raises(UndoRefused, match=f"merge {second} came later"):
        merge.undo_merge(s, first)
    with session_scope(engine, write=True) as s:
        merge.undo_merge(s, second)
        merge.undo_merge(s, first)
        assert merge.merged_into(s, desk["b"]) is None


def test_undo_refused_when_the_id_was_reused(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"]).merge_id
    with session_scope(engine, write=True) as s:
        s.add(Customer(id=desk["b"], name="Newcomer"))
    with session_scope(engine, write=True) as s, pytest.raises(UndoRefused, match="in use again"):
        merge.undo_merge(s, merge_id)


def test_referral_between_the_two_is_removed_and_restored(engine: Engine) -> None:
    with session_scope(engine, write=True) as s:
        a = customers.create_customer(s, name="Ann")
        b = customers.create_customer(s, name="Ann too")
        activity.record_referral(s, id_of(a), id_of(b))
    before = dump(engine)
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, id_of(a), id_of(b)).merge_id
        assert s.execute(select(Referral)).first() is None  # nobody refers themselves
    with session_scope(engine, write=True) as s:
        merge.undo_merge(s, merge_id)
    assert dump(engine) == before


def test_bad_requests_are_refused(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        with pytest.raises(ValidationFailed, match="itself"):
            merge.merge_customers(s, desk["a"], desk["a"])
        with pytest.raises(NotFound):
            merge.merge_customers(s, desk["a"], 9999)
        with pytest.raises(ValidationFailed) as caught:
            merge.plan_merge(s, desk["a"], desk["b"], picks={"colour": "other", "name": "mine"})
        assert {e.field for e in caught.value.errors} == {"colour", "name"}
        with pytest.raises(NotFound):
            merge.undo_merge(s, 4242)


def test_erasure_hook_forgets_the_merge_records(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"]).merge_id
        assert merge.forget_merges_of(s, desk["a"]) == 1
        with pytest.raises(NotFound):
            merge.undo_merge(s, merge_id)


def test_a_table_merge_does_not_know_blocks_it(
    engine: Engine, desk: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table added later that points at customers would lose its rows to ON DELETE CASCADE."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    from deskapp.core.hygiene import merge_rows

    extra = MetaData()
    Table("customer", extra, Column("id", Integer, primary_key=True))
    cards = Table(
        "loyalty_card",
        extra,
        Column("id", Integer, primary_key=True),
        Column("customer_id", Integer, ForeignKey("customer.id", ondelete="CASCADE")),
    )
    with engine.begin() as conn:
        cards.create(conn)
        conn.execute(cards.insert().values(id=1, customer_id=desk["b"]))
    monkeypatch.setattr(merge_rows, "desk_tables", lambda: [*SQLModel.metadata.sorted_tables, cards])
    try:
        with session_scope(engine, write=True) as s, pytest.raises(DeskError, match="loyalty_card.customer_id"):
            merge.merge_customers(s, desk["a"], desk["b"])
        with session_scope(engine, write=True) as s:
            merge.merge_customers(s, desk["b"], desk["d"])  # D has no card: fine
    finally:
        with engine.begin() as conn:
            cards.drop(conn)


def test_stage_changes_follow_the_customer(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        b_changes = {c.id for c in lifecycle.stage_history(s, desk["b"])}
        merge.merge_customers(s, desk["a"], desk["b"])
        moved = s.execute(select(StageChange).where(col(StageChange.id).in_(b_changes))).scalars().all()
        assert moved and {c.customer_id for c in moved} == {desk["a"]}


def test_upgrade_from_0002_with_data_keeps_every_row(db_path: Path) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from deskapp.core.db.engine import _alembic_config, current_revision, head_revision, make_engine, upgrade

    engine = make_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0002")
    with engine.begin() as conn:  # raw SQL: today's models have columns revision 0002 doesn't
        conn.execute(
            text(
                "INSERT INTO customer (id, name, company, email, phone, phone_raw, search_phone, tags, source, owner,"
                " stage, special_dates, notes, created_at, updated_at, archived, version) VALUES (1, 'Anna Berg', '',"
                " 'anna@example.com', '', '', '', '', '', 'tester', 'awareness', '', '', '2026-11-23 09:30:00.000000',"
                " '2026-11-23 09:30:00.000000', 0, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO interaction (id, customer_id, channel, direction, occurred_at, summary, details, staff,"
                " created_at) VALUES (1, 1, 'call', 'out', '2026-11-23 09:30:00.000000', 'hello', '', 'tester',"
                " '2026-11-23 09:30:00.000000')"
            )
        )
    before = dump(engine)
    assert upgrade(engine) and current_revision(engine) == head_revision()
    assert "merge_record" in inspect(engine).get_table_names()
    after = dump(engine)
    kept = {name: [{k: r[k] for k in (rows[0] if rows else {})} for r in after[name]] for name, rows in before.items()}
    assert kept == before
    assert all(not after[name] for name in set(after) - set(before))  # the newer tables start empty
    engine.dispose()


def test_an_old_external_id_still_finds_the_merged_customer(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, write=True) as s:
        merge_id = merge.merge_customers(s, desk["a"], desk["b"], picks={"external_id": "survivor"}).merge_id
        assert customers.find_customer_by(s, external_id="shop-77") is None
        assert merge.survivor_for_external_id(s, "shop-77") == desk["a"]
        assert merge.survivor_for_external_id(s, "shop-7") is None and merge.survivor_for_external_id(s, "") is None
        assert merge.merged_into(s, desk["b"]) == desk["a"] and merge.merged_into(s, desk["a"]) is None
        merge.undo_merge(s, merge_id)
        assert merge.survivor_for_external_id(s, "shop-77") is None


def test_two_people_merging_the_same_pair_at_once(engine: Engine, desk: dict[str, int]) -> None:
    """One merge wins, the other is told the customer is gone: no deadlock, no half-merge."""
    import threading

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(survivor: int, other: int) -> None:
        barrier.wait()
        try:
            with session_scope(engine, staff=f"w{survivor}", write=True) as s:
                merge.merge_customers(s, survivor, other)
            outcomes.append("merged")
        except NotFound:
            outcomes.append("gone")

    threads = [threading.Thread(target=worker, args=pair) for pair in ((desk["a"], desk["b"]), (desk["b"], desk["a"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["gone", "merged"]
    with session_scope(engine) as s:
        assert len(merge.list_merges(s)) == 1
