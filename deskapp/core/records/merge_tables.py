"""The record of each merge of two customers: enough to undo it exactly.

Kept in its own table rather than in the audit trail: the audit trail says what happened, in words a
person reads; this holds the machine-readable before-image (the removed customer's row, the survivor's
previous row, which child rows moved and which were removed or added), and whether it was undone.

`survivor_id` and `other_id` carry no foreign keys on purpose: the other customer no longer exists after
the merge, and a record must outlive a later erasure or merge of the survivor (it is what an undo reads).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from deskapp.core.records.types import UTCDateTime, utcnow


class MergeRecord(SQLModel, table=True):
    __tablename__ = "merge_record"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    staff: str = Field(default="", max_length=64)
    survivor_id: int = Field(index=True)
    other_id: int = Field(index=True)
    # JSON: {"other": row, "survivor_before": row, "survivor_after": row, "moved": {table: [ids]},
    #        "removed": {table: [rows]}, "added": {table: [ids]}, "fields": {field: "survivor"|"other"|...}}
    snapshot: str = Field(default="")
    undone_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    undone_by: str = Field(default="", max_length=64)
