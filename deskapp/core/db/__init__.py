"""The database: engines from a path or URL, sessions that know their staff member, the audit trail's
writer and session hook, change watching, and the schema's migrations.

May import `deskapp.core.records` and nothing else of the core. Loading any part of this package loads
the sessions module (the engine imports it), which installs the audit hook on every desk session.
"""

from __future__ import annotations

from deskapp.core.db import audit
from deskapp.core.db.audit import AuditPayload, FieldChanges, RowValues, Summary, json_value, payload_of
from deskapp.core.db.changes import AGGREGATE_EVERY, ChangeWatcher
from deskapp.core.db.engine import BUSY_TIMEOUT_MS, create_private_file, make_engine, open_engine
from deskapp.core.db.migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    check_database,
    current_revision,
    head_revision,
    known_revisions,
    upgrade,
)
from deskapp.core.db.sessions import DeskSession, session_scope
from deskapp.core.db.staff import current_staff, staff_of
from deskapp.core.db.urls import APP_NAME, default_data_dir, describe_url, resolve_url

__all__ = [
    "AGGREGATE_EVERY",
    "APP_NAME",
    "AuditPayload",
    "BUSY_TIMEOUT_MS",
    "MIGRATIONS_DIR",
    "ChangeWatcher",
    "DeskSession",
    "FieldChanges",
    "RowValues",
    "Summary",
    "alembic_config",
    "audit",
    "check_database",
    "create_private_file",
    "current_revision",
    "current_staff",
    "default_data_dir",
    "describe_url",
    "head_revision",
    "json_value",
    "known_revisions",
    "make_engine",
    "open_engine",
    "payload_of",
    "resolve_url",
    "session_scope",
    "staff_of",
    "upgrade",
]
