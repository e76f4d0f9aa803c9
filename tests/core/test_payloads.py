"""The typed payloads of bulk edits, import batches and merges read back what the desk has always written
(entries already in people's databases) and write the same JSON again."""

from __future__ import annotations

from typing import Any

import pytest

from deskapp.core.db import audit
from deskapp.core.history import STRATEGIES, BulkAction, BulkChange, BulkPayload, UnbulkPayload, clean_change
from deskapp.core.hygiene import MergeEntry, MergeSnapshot, UnmergeEntry
from deskapp.core.io import ImportEntry, ImportUndoEntry
from deskapp.core.records.tables import ChurnReason, Stage

# As bulk.py wrote them before the payloads were typed.
LEGACY_BULK: dict[str, Any] = {
    "change": {
        "action": "stage",
        "tags": [],
        "owner": "",
        "stage": "churned",
        "reason": "moved away",
        "churn_reason": "price",
    },
    "field": "stage",
    "customers": [
        {"id": 4, "before": "retention", "updated_at": "2026-11-01T10:00:00+00:00", "version": 3},
        {"id": 9, "before": "purchase", "updated_at": "2026-11-02T10:00:00+00:00", "version": 2},
    ],
    "unchanged": 1,
    "missing": [12],
    "created": {"stage_change": [31, 32], "owner_change": [], "staff": []},
}
LEGACY_IMPORT: dict[str, Any] = {
    "file": "shop.csv",
    "import_batch": 7,
    "batch": 2,
    "counts": {"inserted": 1, "updated": 1},
    "inserted": {"customer": [[10, 12], [15, 15]]},
    "updated": {"customer": {"4": {"name": ["Ann", "Anna"]}}},
    "prior": {"customer": {"4": {"version": 2, "updated_at": "2026-11-01T10:00:00+00:00"}}},
}


def test_bulk_payload_reads_and_writes_the_stored_form() -> None:
    payload = BulkPayload.from_json(LEGACY_BULK)
    assert payload.change == BulkChange(
        BulkAction.STAGE, stage=Stage.CHURNED, reason="moved away", churn_reason=ChurnReason.PRICE
    )
    assert [c.id for c in payload.customers] == [4, 9] and payload.created.stage_change == (31, 32)
    assert payload.to_json() == LEGACY_BULK
    assert UnbulkPayload.from_json(UnbulkPayload(5, 2, {"staff": 0}).to_json()) == UnbulkPayload(5, 2, {"staff": 0})


def test_bulk_payload_erases_one_person_once() -> None:
    payload = BulkPayload.from_json(LEGACY_BULK)
    erased = payload.without_person(9)
    assert erased is not None
    assert erased.to_json()["customers"][1]["before"] == audit.ERASED
    assert erased.to_json()["customers"][0] == LEGACY_BULK["customers"][0]
    assert erased.without_person(9) is None and payload.without_person(77) is None


def test_import_entry_reads_and_writes_the_stored_form() -> None:
    entry = ImportEntry.from_json(LEGACY_IMPORT)
    assert entry.to_json() == LEGACY_IMPORT
    assert list(entry.updated_rows()) == [("customer", 4)]
    bare = {"file": "a.csv", "import_batch": 1, "batch": 0, "counts": {}}
    assert ImportEntry.from_json(bare).to_json() == bare  # nothing done: no empty parts written
    undo = ImportUndoEntry("shop.csv", {"customer": 3}, {})
    assert ImportUndoEntry.from_json(undo.to_json()) == undo


def test_import_entry_erases_the_rows_asked_for() -> None:
    erased = ImportEntry.from_json(LEGACY_IMPORT).erased({"customer": {"4"}})
    assert erased is not None
    data = erased.to_json()
    assert data["updated"]["customer"]["4"] == audit.ERASED and data["prior"]["customer"]["4"] == audit.ERASED
    assert data["inserted"] == LEGACY_IMPORT["inserted"]
    assert ImportEntry.from_json(LEGACY_IMPORT).erased({"customer": {"5"}}) is None


def test_merge_snapshot_keeps_its_key_order() -> None:
    snapshot = MergeSnapshot(
        other={"id": 2, "name": "Bo", "external_id": "C2"},
        survivor_before={"id": 1, "name": "Bo Berg"},
        fields={"name": "survivor"},
        moved={"interaction": [5], "referral.referrer_id": []},
        removed={"referral": []},
        added={},
        survivor_after={"id": 1, "name": "Bo Berg"},
    )
    text = snapshot.dumps()
    assert text.startswith('{"other": {"id": 2, "name": "Bo", "external_id": "C2"}, "survivor_before"')
    assert MergeSnapshot.loads(text) == snapshot
    entry = MergeEntry(3, 2, {"name": "survivor"}, {"interaction": 1})
    assert MergeEntry.from_json(entry.to_json()) == entry
    assert UnmergeEntry.from_json(UnmergeEntry(3, 1, {"interaction": 1}).to_json()) == UnmergeEntry(
        3, 1, {"interaction": 1}
    )


def test_every_bulk_action_has_its_strategy() -> None:
    assert set(STRATEGIES) == set(BulkAction)
    assert {s.field for s in STRATEGIES.values()} == {"tags", "owner", "stage", "archived"}


@pytest.mark.parametrize(
    ("action", "value", "question", "done"),
    [
        ("tag", "vip", "Add the tag vip to 2 customers?", "Tagged 2 customers vip"),
        ("untag", "vip,b2b", "Remove the tags vip, b2b from 2 customers?", "Removed vip, b2b from 2 customers"),
        ("owner", "anna", "Make anna the owner of 2 customers?", "anna now owns 2 customers"),
        ("stage", "retention", "Change the stage of 2 customers to retention?", "Moved 2 customers to retention"),
        ("archive", None, "Archive 2 customers?", "Archived 2 customers"),
        ("unarchive", None, "Unarchive 2 customers?", "Unarchived 2 customers"),
    ],
)
def test_each_strategy_asks_and_tells(action: str, value: str | None, question: str, done: str) -> None:
    change = clean_change(action, value)
    assert (change.question(2), change.done(2)) == (question, done)
    assert BulkChange.from_json(change.to_json()) == change
