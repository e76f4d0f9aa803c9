"""Bulk edits: one change to many customers in one transaction, undone as one step, on both engines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col

from deskapp.core.customers import lifecycle
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from deskapp.core.history import bulk
from deskapp.core.history.bulk import BulkUndoRefused, bulk_edit, clean_change, undo_bulk
from deskapp.core.records import clock
from deskapp.core.records.errors import InvalidTransition, NotFound, ValidationFailed
from deskapp.core.records.tables import AuditEntry, Customer, OwnerChange, Staff, Stage, table_of
from tests.conftest import FIXED_NOW
from tests.core.ids import id_of

EARLIER = FIXED_NOW - timedelta(days=10)


@pytest.fixture
def desk(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Four customers made ten days ago; the clock then stands at FIXED_NOW for the edits."""
    monkeypatch.setattr(clock, "now", lambda: EARLIER)
    with session_scope(engine, staff="tester", write=True) as s:
        ids = {
            "odon": id_of(customers.create_customer(s, name="Ödön Kovács", owner="anna", tags="vip,repair")),
            "asa": id_of(customers.create_customer(s, name="Åsa Lindqvist", owner="tester", stage="retention")),
            "bob": id_of(customers.create_customer(s, name="Bob Builder", owner="anna", tags="repair")),
            "cleo": id_of(customers.create_customer(s, name="Cleo Park", owner="tester", tags="vip")),
        }
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    return ids


def edit(engine: Engine, ids: list[int], action: str, value: Any = None, **kw: Any) -> bulk.BulkResult:
    with session_scope(engine, staff="tester", write=True) as s:
        return bulk_edit(s, ids, clean_change(action, value, **kw))


def undo(engine: Engine, bulk_id: int) -> bulk.UndoBulkResult:
    with session_scope(engine, staff="tester", write=True) as s:
        return undo_bulk(s, bulk_id)


def state(engine: Engine) -> dict[int, tuple[Any, ...]]:
    with session_scope(engine) as s:
        rows = s.execute(select(Customer)).scalars()
        return {c.id: (c.tags, c.owner, c.stage, c.archived, c.version, c.updated_at) for c in rows}


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table but the audit trail, row by row in id order (and SQLite's search index)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "audit_entry":
                continue
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]
        if engine.dialect.name == "sqlite":
            fts = "SELECT rowid, name, company, email, search_phone, tags FROM customer_fts ORDER BY rowid"
            out["customer_fts"] = [tuple(r) for r in conn.execute(text(fts))]
    return out


# --- each action -----------------------------------------------------------------------------------------


def test_tag_adds_the_tag_and_counts_who_had_it(engine: Engine, desk: dict[str, int]) -> None:
    before = state(engine)
    result = edit(engine, list(desk.values()), "tag", "VIP")  # normalised like a single edit's tags
    assert (result.changed, result.unchanged, result.missing) == (2, 2, ())
    after = state(engine)
    assert after[desk["asa"]][0] == ",vip,"
    assert after[desk["bob"]][0] == ",repair,vip,"
    for name in ("odon", "cleo"):  # already tagged: not touched at all
        assert after[desk[name]] == before[desk[name]]
    for name in ("asa", "bob"):
        assert after[desk[name]][4] == before[desk[name]][4] + 1
        assert after[desk[name]][5] == FIXED_NOW
    assert result.summary() == "Tagged 2 customers vip (2 already were)"


def test_untag_removes_only_that_tag(engine: Engine, desk: dict[str, int]) -> None:
    before = state(engine)
    result = edit(engine, list(desk.values()), "untag", "repair")
    assert (result.changed, result.unchanged) == (2, 2)
    after = state(engine)
    assert after[desk["odon"]][0] == ",vip,"
    assert after[desk["bob"]][0] == ""
    assert after[desk["cleo"]] == before[desk["cleo"]]
    with session_scope(engine) as s:  # the tag filter agrees
        found = customers.search_customers(s, tag="repair")
        assert [r.name for r in found] == []


def test_owner_writes_owner_changes_and_makes_the_owner_known_staff(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["odon"], desk["asa"], desk["bob"]], "owner", "zoe")
    assert (result.changed, result.unchanged, result.owner_changes) == (3, 0, 3)
    with session_scope(engine) as s:
        changes = s.execute(select(OwnerChange).order_by(col(OwnerChange.customer_id))).scalars().all()
        assert [(c.customer_id, c.from_owner, c.to_owner, c.staff, c.at) for c in changes] == [
            (desk["odon"], "anna", "zoe", "tester", FIXED_NOW),
            (desk["asa"], "tester", "zoe", "tester", FIXED_NOW),
            (desk["bob"], "anna", "zoe", "tester", FIXED_NOW),
        ]
        assert s.execute(select(col(Staff.login)).where(col(Staff.login) == "zoe")).scalar() == "zoe"
        assert s.get_one(Customer, desk["cleo"]).owner == "tester"
    again = edit(engine, [desk["odon"], desk["cleo"]], "owner", "zoe")
    assert (again.changed, again.unchanged, again.owner_changes) == (1, 1, 1)


def test_stage_writes_stage_changes_with_the_reason(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, list(desk.values()), "stage", "retention", reason="loyalty programme")
    assert (result.changed, result.unchanged, result.stage_changes) == (3, 1, 3)
    with session_scope(engine) as s:
        history = lifecycle.stage_history(s, desk["odon"])
        assert [(h.from_stage, h.to_stage, h.reason, h.automatic, h.staff) for h in history] == [
            (None, Stage.AWARENESS, "customer created", True, "tester"),
            (Stage.AWARENESS, Stage.RETENTION, "loyalty programme", False, "tester"),
        ]
        assert len(lifecycle.stage_history(s, desk["asa"])) == 1  # was in retention already


def test_churned_needs_a_churn_reason_and_records_it(engine: Engine, desk: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        clean_change("stage", "churned")
    assert refused.value.for_field("churn_reason") == "is required when customers are churned"
    edit(engine, [desk["bob"]], "stage", "churned", churn_reason="competitor")
    with session_scope(engine) as s:
        last = lifecycle.stage_history(s, desk["bob"])[-1]
        assert (last.to_stage, last.churn_reason, last.reason) == (Stage.CHURNED, "competitor", "bulk edit")


def test_archive_and_unarchive(engine: Engine, desk: dict[str, int]) -> None:
    edit(engine, [desk["odon"], desk["bob"]], "archive")
    with session_scope(engine) as s:
        assert customers.count_customers(s) == 2
    result = edit(engine, list(desk.values()), "unarchive")
    assert (result.changed, result.unchanged) == (2, 2)
    with session_scope(engine) as s:
        assert customers.count_customers(s) == 4


def test_bad_values_are_refused_before_anything_is_written() -> None:
    for action, value, field in (
        ("tag", " , ", "value"),
        ("owner", "", "value"),
        ("stage", "loyal", "value"),
        ("rename", "x", "action"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            clean_change(action, value)
        assert refused.value.errors[0].field == field


def test_missing_customers_are_counted_not_invented(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["asa"], 999_999], "tag", "vip")
    assert (result.changed, result.missing) == (1, (999_999,))
    assert "1 customer no longer exist" in result.summary()


def test_nothing_to_change_writes_nothing(engine: Engine, desk: dict[str, int]) -> None:
    before = dump(engine)
    result = edit(engine, [desk["odon"], desk["cleo"]], "tag", "vip")
    assert (result.bulk_id, result.changed, result.unchanged) == (None, 0, 2)
    assert dump(engine) == before


def test_a_tag_with_markup_is_stored_literally(engine: Engine, desk: dict[str, int]) -> None:
    edit(engine, [desk["asa"]], "tag", "[bold]x[/]")
    with session_scope(engine) as s:
        assert s.get_one(Customer, desk["asa"]).tags == ",[bold]x[/],"
        assert [r.name for r in customers.search_customers(s, tag="[bold]x[/]")] == ["Åsa Lindqvist"]
    assert clean_change("tag", "[bold]x[/]").question(3) == "Add the tag [bold]x[/] to 3 customers?"


def test_objects_already_in_the_session_see_the_new_values(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine, staff="tester", write=True) as s:
        odon = customers.get_customer(s, desk["odon"])
        assert odon.stage == Stage.AWARENESS
        bulk_edit(s, [desk["odon"]], clean_change("stage", "advocacy"))
        assert (odon.stage, odon.version) == (Stage.ADVOCACY, 2)


def test_one_audit_entry_lists_the_old_values(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["odon"], desk["asa"]], "stage", "purchase")
    with session_scope(engine) as s:
        entry = s.execute(select(AuditEntry).where(col(AuditEntry.action) == "bulk")).scalar_one()
        assert (entry.id, entry.action, entry.entity, entry.staff) == (result.bulk_id, "bulk", "customer", "tester")
        data = json.loads(entry.changes)
        assert [(c["id"], c["before"], c["version"]) for c in data["customers"]] == [
            (desk["odon"], "awareness", 2),
            (desk["asa"], "retention", 2),
        ]
        assert len(data["created"]["stage_change"]) == 2


# --- undo ------------------------------------------------------------------------------------------------

CHANGES = [
    ("tag", "vip", {}),
    ("untag", "repair", {}),
    ("owner", "zoe", {}),
    ("owner", "anna", {}),
    ("stage", "churned", {"churn_reason": "price", "reason": "left for a cheaper shop"}),
    ("archive", None, {}),
]


@pytest.mark.parametrize(("action", "value", "kw"), CHANGES, ids=[f"{a}-{v}" for a, v, _ in CHANGES])
def test_bulk_edit_then_undo_leaves_every_table_as_it_was(
    engine: Engine, desk: dict[str, int], action: str, value: Any, kw: dict[str, Any]
) -> None:
    edit(engine, [desk["cleo"]], "archive")  # an unarchive below has someone to bring back
    before = dump(engine)
    result = edit(engine, list(desk.values()), action, value, **kw)
    assert result.bulk_id is not None and result.changed > 0
    assert dump(engine) != before
    undone = undo(engine, result.bulk_id)
    assert undone.restored == result.changed
    assert dump(engine) == before
    with session_scope(engine) as s:
        assert bulk.bulk_undone(s, result.bulk_id)


def test_unarchive_then_undo(engine: Engine, desk: dict[str, int]) -> None:
    edit(engine, [desk["odon"], desk["bob"]], "archive")
    before = dump(engine)
    result = edit(engine, list(desk.values()), "unarchive")
    assert result.bulk_id is not None
    undo(engine, result.bulk_id)
    assert dump(engine) == before


def test_undo_keeps_a_staff_member_someone_else_named_since(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["odon"]], "owner", "zoe")
    with session_scope(engine, staff="tester", write=True) as s:
        customers.create_customer(s, name="Dora New", owner="zoe")
    assert result.bulk_id is not None
    assert undo(engine, result.bulk_id).staff_removed == 0
    with session_scope(engine) as s:
        assert s.execute(select(col(Staff.login)).where(col(Staff.login) == "zoe")).scalar() == "zoe"
        assert s.get_one(Customer, desk["odon"]).owner == "anna"


def test_undo_is_refused_after_a_later_edit_naming_the_customer(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, list(desk.values()), "stage", "consideration")
    assert result.bulk_id is not None
    with session_scope(engine, staff="tester", write=True) as s:
        customers.update_customer(s, desk["bob"], company="Builder Ltd")
    after_edit = dump(engine)
    with pytest.raises(BulkUndoRefused) as refused:
        undo(engine, result.bulk_id)
    assert [b.customer_id for b in refused.value.blockers] == [desk["bob"]]
    assert "Bob Builder" in str(refused.value)
    assert "Ödön" not in str(refused.value)
    assert dump(engine) == after_edit  # nothing restored: all or nothing


def test_undo_is_refused_when_a_customer_is_gone(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["odon"], desk["bob"]], "tag", "gold")
    with session_scope(engine, staff="tester", write=True) as s:
        s.delete(customers.get_customer(s, desk["bob"]))
    assert result.bulk_id is not None
    with pytest.raises(BulkUndoRefused, match=rf"customer {desk['bob']} \(no longer exists\)"):
        undo(engine, result.bulk_id)


def test_undo_twice_is_refused(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, list(desk.values()), "owner", "zoe")
    assert result.bulk_id is not None
    undo(engine, result.bulk_id)
    after_undo = dump(engine)
    with pytest.raises(InvalidTransition, match="already undone"):
        undo(engine, result.bulk_id)
    assert dump(engine) == after_undo


def test_undo_of_something_that_is_not_a_bulk_edit(engine: Engine, desk: dict[str, int]) -> None:
    with session_scope(engine) as s:
        other = s.execute(select(col(AuditEntry.id)).where(col(AuditEntry.action) == "insert")).scalars().first()
    assert other is not None
    for wrong in (other, 999_999):
        with pytest.raises(NotFound):
            undo(engine, wrong)


def test_a_later_bulk_edit_blocks_undoing_the_earlier_one_until_it_is_undone(
    engine: Engine, desk: dict[str, int]
) -> None:
    before = dump(engine)
    first = edit(engine, [desk["odon"], desk["asa"]], "tag", "gold")
    second = edit(engine, [desk["asa"], desk["bob"]], "owner", "zoe")
    assert first.bulk_id is not None and second.bulk_id is not None
    with pytest.raises(BulkUndoRefused) as refused:
        undo(engine, first.bulk_id)
    assert [b.name for b in refused.value.blockers] == ["Åsa Lindqvist"]
    undo(engine, second.bulk_id)
    undo(engine, first.bulk_id)
    assert dump(engine) == before


# --- set-wise --------------------------------------------------------------------------------------------


def add_customers(engine: Engine, n: int) -> list[int]:
    """Many plain customers at once (the ORM per row would make the test slow, not the code under test)."""
    rows = [
        {
            "name": f"Customer {i:05d}",
            "company": "",
            "email": "",
            "phone": "",
            "phone_raw": "",
            "search_phone": "",
            "tags": ",repair," if i % 3 == 0 else "",
            "source": "",
            "owner": "anna",
            "stage": Stage.AWARENESS,
            "special_dates": "",
            "notes": "",
            "created_at": EARLIER,
            "updated_at": EARLIER,
            "archived": False,
            "version": 1,
        }
        for i in range(n)
    ]
    with session_scope(engine, write=True) as s:
        ids = s.connection().execute(insert(table_of(Customer)).returning(table_of(Customer).c.id), rows)
        return sorted(r[0] for r in ids)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(("action", "value"), [("tag", "vip"), ("stage", "retention"), ("owner", "zoe")])
def test_thousands_of_customers_take_a_handful_of_statements(engine: Engine, action: str, value: str) -> None:
    ids = add_customers(engine, 2_000)
    before = dump(engine)
    with statements(engine) as seen:
        result = edit(engine, ids, action, value)
    assert result.changed == 2_000
    assert len(seen) < 40, seen[:50]  # a few per 500 ids, never one per customer
    assert result.bulk_id is not None
    with statements(engine) as seen:
        undo(engine, result.bulk_id)
    assert len(seen) < 40, seen[:50]
    assert dump(engine) == before


def test_erasure_can_forget_a_person_in_bulk_edits(engine: Engine, desk: dict[str, int]) -> None:
    result = edit(engine, [desk["odon"], desk["bob"]], "untag", "repair")
    assert result.bulk_id is not None
    with session_scope(engine, staff="tester", write=True) as s:
        assert bulk.forget_in_bulk_edits(s, desk["odon"]) == 1
        assert bulk.forget_in_bulk_edits(s, desk["odon"]) == 0  # already forgotten
    with session_scope(engine) as s:
        entry = s.get(AuditEntry, result.bulk_id)
        assert entry is not None
        befores = {c["id"]: c["before"] for c in json.loads(entry.changes)["customers"]}
        assert befores == {desk["odon"]: {"erased": True}, desk["bob"]: ",repair,"}
        assert "vip" not in entry.changes
    with pytest.raises(BulkUndoRefused, match="Ödön Kovács"):  # nothing to put back for them
        undo(engine, result.bulk_id)


def test_list_bulk_edits_newest_first_with_what_they_did(engine: Engine, desk: dict[str, int]) -> None:
    first = edit(engine, [desk["asa"], desk["bob"]], "tag", "gold")
    second = edit(engine, list(desk.values()), "stage", "churned", churn_reason="price")
    assert first.bulk_id is not None and second.bulk_id is not None
    undo(engine, second.bulk_id)
    with session_scope(engine) as s:
        listed = bulk.list_bulk_edits(s)
    assert [(r.id, r.description, r.customers, r.undone, r.staff) for r in listed] == [
        (second.bulk_id, "Moved 4 customers to churned", 4, True, "tester"),
        (first.bulk_id, "Tagged 2 customers gold", 2, False, "tester"),
    ]
