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

from deskapp.core.types import UTCDateTime, utcnow


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
