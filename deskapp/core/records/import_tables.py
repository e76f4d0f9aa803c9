"""The record of each import: the batch that `deskapp import history` lists and `import undo` reverses.

One row per committed import (a dry run or a refused file leaves none: the row is written in the
import's own transaction). What the import changed is in the audit trail: each of its audit entries
carries `"import_batch": id`, and `first_audit_id`/`last_audit_id` bound where to look for them, so an
undo reads a handful of entries rather than the whole trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from deskapp.core.records.types import UTCDateTime, utcnow


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    kind: str = Field(max_length=20)
    file_name: str = Field(default="", max_length=500)
    staff: str = Field(default="", max_length=64)
    counts: str = Field(default="{}")  # JSON: the summary's counts (rows, inserted, updated, ...)
    first_audit_id: int | None = Field(default=None)
    last_audit_id: int | None = Field(default=None)
    undone_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    undone_by: str = Field(default="", max_length=64)


class ImportPrior(SQLModel, table=True):
    """A customer's stage, version and updated_at from before an import of purchases or interactions moved
    their stage: what an undo puts back. Written and read set-wise in SQL (an import can move hundreds of
    thousands of customers; keeping this in the audit entry's JSON cost the import gigabytes of memory)."""

    __tablename__ = "import_prior"

    batch_id: int = Field(primary_key=True)
    customer_id: int = Field(primary_key=True)
    stage: str = Field(max_length=32)  # the stored value, copied as it is
    version: int
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    version_after: int | None = Field(default=None)  # the version the import left: another means a later save
