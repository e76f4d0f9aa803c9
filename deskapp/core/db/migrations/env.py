"""Alembic environment: always handed a connection by deskapp.core.db.engine (no ini file, no URL here)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import deskapp.core.records.merge_tables  # noqa: F401
import deskapp.core.records.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through deskapp.core.db.engine.upgrade(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
    compare_type=True,
)
context.run_migrations()
