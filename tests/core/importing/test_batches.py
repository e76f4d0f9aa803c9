"""Import batches: each committed import is listed with its counts, and an undo puts every table back as it
was, unless later work would be lost, in which case it names that work and changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.customers.search import index_in_sync
from deskapp.core.db.engine import session_scope
from deskapp.core.io.importing import ImportOptions, import_file
from deskapp.core.io.importing.batches import ImportUndoRefused, UndoResult, list_batches, undo_batch
from deskapp.core.io.importing.pipeline import ImportSummary
from deskapp.core.records.errors import DeskError, NotFound
from deskapp.core.records.import_tables import ImportBatch
from deskapp.core.records.tables import Customer, Stage
from tests.core.ids import id_of
from tests.core.importing.conftest import table_snapshot

# The trail of what happened grows by design (the import and its undo are both in it).
GROWS = ("audit_entry", "import_batch")


def run(engine: Engine, kind: str, body: str, **options: Any) -> ImportSummary:
    return import_file(engine, kind, io.BytesIO(body.encode()), ImportOptions(**options), staff="night-job")


def tables(engine: Engine) -> dict[str, Any]:
    return {name: rows for name, rows in table_snapshot(engine).items() if name not in GROWS}


def undo(engine: Engine, batch_id: int | None, **kw: Any) -> UndoResult:
    """Undo the batch of an import (`summary.import_batch`: None only for an import that wrote nothing)."""
    assert batch_id is not None
    with session_scope(engine, staff="owner", write=True) as session:
        return undo_batch(session, batch_id, **kw)


def names(engine: Engine, text: str) -> list[str]:
    with session_scope(engine) as session:
        return [row.name for row in customers.search_customers(session, text).items]


@pytest.fixture
def desk(engine: Engine, frozen_now: Any) -> Engine:
    """Three customers from before the imports, one with a purchase and a call."""
    with session_scope(engine, staff="anna", write=True) as s:
        ann = customers.create_customer(s, name="Ann Old", email="ann@example.com", external_id="C1", stage="awareness")
        customers.create_customer(s, name="Bo Keep", email="bo@example.com", external_id="C2", phone="+46701234567")
        customers.create_customer(s, name="Cy Stay", external_id="C3")
        activity.record_purchase(s, id_of(ann), amount="10.00", ordered_at=frozen_now - timedelta(days=30))
        activity.log_interaction(s, id_of(ann), channel="call", summary="Asked about bikes")
    return engine


CUSTOMERS = (
    "external_id,name,email,phone,owner,stage,tags\n"
    "C1,Ann Renamed,ann@example.com,,bence,consideration,vip\n"  # updated (name, owner, stage, tags)
    "C2,Bo Keep,bo@example.com,+46 70 765 43 21,,,\n"  # updated (phone)
    "N1,Zed New,zed@example.com,,carla,,\n"  # new, with an owner nobody had
    "N2,Ylva Fresh,,,,loyal,\n"  # new
)


def test_customers_import_then_undo_leaves_every_table_as_it_was(desk: Engine) -> None:
    before = tables(desk)
    summary = run(desk, "customers", CUSTOMERS, batch_size=2)
    assert (summary.counts.inserted, summary.counts.updated) == (2, 2)
    assert summary.import_batch is not None and summary.as_dict()["import_batch"] == summary.import_batch
    assert tables(desk) != before
    assert names(desk, "zed") == ["Zed New"]

    result = undo(desk, summary.import_batch)

    assert tables(desk) == before
    assert result.removed["customer"] == 2 and result.restored == {"customer": 2}
    assert result.removed["staff"] == 3  # bence, carla and night-job came with the file and go with it
    assert names(desk, "zed") == [] and names(desk, "renamed") == [] and names(desk, "ann old") == ["Ann Old"]
    with session_scope(desk) as s:
        assert index_in_sync(s)
        batch = s.get(ImportBatch, summary.import_batch)
        assert batch is not None and batch.undone_by == "owner" and batch.undone_at is not None


def test_activity_imports_with_lifecycle_effects_undo_exactly(desk: Engine, frozen_now: Any) -> None:
    """Purchases move stages (stage changes, version bumps, thank-you follow-ups): all of it goes back."""
    before = tables(desk)
    day = (frozen_now - timedelta(days=3)).date()
    purchases = run(
        desk,
        "purchases",
        f"external_id,customer_external_id,ordered_at,amount\nP1,C2,{day},30\nP2,C3,{day},40\nP3,C1,{day},50\n",
    )
    assert purchases.counts.stage_changes and purchases.counts.follow_ups_created
    calls = run(desk, "interactions", f"customer_external_id,channel,occurred_at,summary,score\nC2,call,{day},NPS,10\n")
    assert calls.counts.inserted == 1

    refused = _refusal(desk, purchases.import_batch)  # the call was logged since, on a customer it moved
    assert "changed since" in refused or "added since" in refused
    undo(desk, calls.import_batch)
    undo(desk, purchases.import_batch)
    assert tables(desk) == before


def test_the_other_engines_path_undoes_the_same(desk: Engine, frozen_now: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.core.io.importing import stages

    monkeypatch.setattr(stages.StageBook, "DEFER", False)
    before = tables(desk)
    day = (frozen_now - timedelta(days=3)).date()
    body = "customer_external_id,ordered_at,amount\n" + "".join(f"C{i % 3 + 1},{day},{i}\n" for i in range(1, 8))
    summary = run(desk, "purchases", body, batch_size=2)
    undo(desk, summary.import_batch)
    assert tables(desk) == before


def _refusal(engine: Engine, batch_id: int | None) -> str:
    before = tables(engine)
    with pytest.raises(ImportUndoRefused) as caught:
        undo(engine, batch_id)
    assert tables(engine) == before  # a refused undo changes nothing
    return str(caught.value)


def test_a_later_edit_blocks_the_undo_and_is_named(desk: Engine) -> None:
    summary = run(desk, "customers", CUSTOMERS)
    with session_scope(desk, staff="bence", write=True) as s:
        ann = s.execute(select(Customer).where(col(Customer.external_id) == "C1")).scalar_one()
        customers.update_customer(s, ann.id, notes="Called back, happy")
    message = _refusal(desk, summary.import_batch)
    assert f"customer {ann.id} (Ann Renamed) was changed since (update by bence" in message


def test_history_added_to_an_imported_customer_blocks_the_undo(desk: Engine) -> None:
    summary = run(desk, "customers", CUSTOMERS)
    with session_scope(desk, staff="bence", write=True) as s:
        zed = s.execute(select(Customer).where(col(Customer.external_id) == "N1")).scalar_one()
        call = activity.log_interaction(s, zed.id, channel="call", summary="First call")
    message = _refusal(desk, summary.import_batch)
    assert f"interaction {call.id} was added since, for customer {zed.id} (Zed New)" in message


def test_an_imported_customer_deleted_since_blocks_the_undo(desk: Engine) -> None:
    summary = run(desk, "customers", CUSTOMERS)
    with session_scope(desk, write=True) as s:
        s.delete(s.execute(select(Customer).where(col(Customer.external_id) == "N2")).scalar_one())
    assert "1 of the customer rows it added are gone" in _refusal(desk, summary.import_batch)


def test_a_later_import_must_be_undone_first(desk: Engine) -> None:
    before = tables(desk)
    first = run(desk, "customers", CUSTOMERS)
    second = run(desk, "customers", "external_id,name\nN1,Zed Newer\n")
    assert "was changed since (import by night-job" in _refusal(desk, first.import_batch)
    undo(desk, second.import_batch)
    undo(desk, first.import_batch)
    assert tables(desk) == before


def test_undo_twice_or_unknown(desk: Engine) -> None:
    summary = run(desk, "customers", CUSTOMERS)
    undo(desk, summary.import_batch)
    with pytest.raises(DeskError, match="was undone already"):
        undo(desk, summary.import_batch)
    with pytest.raises(NotFound):
        undo(desk, 999)


def test_a_dry_run_undo_says_what_it_would_do_and_does_nothing(desk: Engine) -> None:
    summary = run(desk, "customers", CUSTOMERS)
    after = tables(desk)
    result = undo(desk, summary.import_batch, dry_run=True)
    assert result.removed["customer"] == 2 and result.restored == {"customer": 2} and result.dry_run
    assert tables(desk) == after


def test_history_lists_committed_imports_newest_first(desk: Engine) -> None:
    run(desk, "customers", CUSTOMERS, dry_run=True)  # a dry run is no batch
    run(desk, "customers", "external_id,name,email\nX1,Bad,not-an-email\n")  # refused: nothing committed
    first = run(desk, "customers", CUSTOMERS)
    second = run(desk, "customers", "name\nWho Ever\n")
    with session_scope(desk) as s:
        rows = list_batches(s)
        assert s.execute(select(func.count()).select_from(ImportBatch)).scalar_one() == 2
    assert [r.id for r in rows] == [second.import_batch, first.import_batch]
    assert rows[1].kind == "customers" and rows[1].staff == "night-job" and rows[1].file_name == "<stream>"
    assert rows[1].counts["inserted"] == 2 and rows[1].counts["updated"] == 2 and rows[1].counts["rows"] == 4
    assert rows[1].finished_at is not None and rows[1].undone_at is None


def test_stage_of_a_moved_customer_is_restored(desk: Engine, frozen_now: Any) -> None:
    day = (frozen_now - timedelta(days=1)).date()
    summary = run(desk, "purchases", f"customer_external_id,ordered_at,amount\nC3,{day},40\n")
    with session_scope(desk) as s:
        assert (
            s.execute(select(col(Customer.stage)).where(col(Customer.external_id) == "C3")).scalar_one()
            == Stage.PURCHASE
        )
    undo(desk, summary.import_batch)
    with session_scope(desk) as s:
        cy = s.execute(select(Customer).where(col(Customer.external_id) == "C3")).scalar_one()
    assert (cy.stage, cy.version) == (Stage.AWARENESS, 1)


def test_erasure_scrubs_the_import_entries_and_blocks_their_undo(desk: Engine) -> None:
    from deskapp.core.history.privacy import erase_person
    from deskapp.core.records.tables import AuditEntry

    summary = run(desk, "customers", CUSTOMERS)
    with session_scope(desk, write=True) as s:
        ann = s.execute(select(Customer).where(col(Customer.external_id) == "C1")).scalar_one()
        erase_person(s, ann.id)
    with session_scope(desk) as s:
        trail = " ".join(s.execute(select(col(AuditEntry.changes))).scalars())
    assert "Ann Old" not in trail and "Ann Renamed" not in trail and "ann@example.com" not in trail
    assert "+46701234567" in trail  # other people's old values stay (Bo's phone)
    assert f"customer {id_of(ann)} (Erased customer {id_of(ann)}) was erased since" in _refusal(
        desk, summary.import_batch
    )


def test_a_customer_the_import_moved_and_someone_saved_since_blocks_the_undo(desk: Engine, frozen_now: Any) -> None:
    """Even within the same second as the import (the clock is frozen here): the version tells."""
    day = (frozen_now - timedelta(days=1)).date()
    summary = run(desk, "purchases", f"customer_external_id,ordered_at,amount\nC3,{day},40\nC2,{day},10\n")
    with session_scope(desk, staff="bence", write=True) as s:
        cy = s.execute(select(Customer).where(col(Customer.external_id) == "C3")).scalar_one()
        customers.update_customer(s, cy.id, notes="Loves the new bike")
    message = _refusal(desk, summary.import_batch)
    assert f"customer {cy.id} (Cy Stay) was changed since" in message and "Bo Keep" not in message


def test_a_bulk_edit_since_blocks_the_undo_even_of_other_fields(desk: Engine) -> None:
    """The bulk edit changed tags, the import the name: putting the old name back would also put back an
    old version number, under the bulk edit's."""
    from deskapp.core.history import bulk

    summary = run(desk, "customers", "external_id,name\nC2,Bo Renamed\n")
    with session_scope(desk, staff="bence", write=True) as s:
        bo = s.execute(select(col(Customer.id)).where(col(Customer.external_id) == "C2")).scalar_one()
        bulk.bulk_edit(s, [bo], bulk.clean_change("tag", "spring"))
    assert f"customer {bo} (Bo Renamed) was saved since" in _refusal(desk, summary.import_batch)
