"""What happened to the desk's records, and taking it back: bulk edits of many customers (with their undo)
and a person's rights over their data (export everything held, erase).

May import `records`, `db`, `customers`, `activity`, `hygiene` and `io` (erasure reaches into merge records
and import batches); nothing below imports it.
"""

from __future__ import annotations

from deskapp.core.history.bulk import (
    BulkChange,
    BulkResult,
    BulkUndoRefused,
    bulk_edit,
    clean_change,
    forget_in_bulk_edits,
    undo_bulk,
)
from deskapp.core.history.bulk_actions import STRATEGIES, BulkAction, BulkStrategy, count_text
from deskapp.core.history.bulk_payload import BulkCreated, BulkedCustomer, BulkPayload, UnbulkPayload
from deskapp.core.history.privacy import erase_person, person_record

__all__ = [
    "STRATEGIES",
    "BulkAction",
    "BulkChange",
    "BulkCreated",
    "BulkPayload",
    "BulkResult",
    "BulkStrategy",
    "BulkUndoRefused",
    "BulkedCustomer",
    "UnbulkPayload",
    "bulk_edit",
    "clean_change",
    "count_text",
    "erase_person",
    "forget_in_bulk_edits",
    "person_record",
    "undo_bulk",
]
