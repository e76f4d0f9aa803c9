"""The audit trail: every ORM write through a `DeskSession` records who, when and what changed.

Done as a session hook rather than a call in each service, so a new service can't forget it. Bulk writers
that bypass the ORM (the importer) call `record` themselves with a summary of the batch.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session

from deskapp.core.db.staff import staff_of
from deskapp.core.records import AUDITED_TABLES, AuditEntry, table_of, utcnow

SKIPPED_FIELDS = frozenset({"updated_at", "version", "search_phone"})
# What erasure leaves of a person's values wherever the trail kept them (entries, import and bulk records).
ERASED: dict[str, bool] = {"erased": True}


def json_value(value: Any) -> Any:
    """A stored value as JSON can hold it (enums by value, times in ISO 8601, money as exact text)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def dump(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True)


def record(session: Session, *, action: str, entity: str, entity_id: int | None, changes: dict[str, Any]) -> None:
    """Write one audit entry in the session's transaction."""
    session.connection().execute(
        insert(table_of(AuditEntry)),
        {
            "at": utcnow(),
            "staff": staff_of(session),
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "changes": dump({k: json_value(v) for k, v in changes.items()}),
        },
    )


def _row_changes(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[attr.key] = [json_value(old), json_value(new)]
    return changes


def _row_values(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {
        attr.key: json_value(getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in SKIPPED_FIELDS
    }


def after_flush(session: Session, _context: Any) -> None:
    """The session hook (installed on DeskSession by `deskapp.core.db.sessions`)."""
    rows: list[dict[str, Any]] = []
    staff = staff_of(session)
    now = utcnow()

    def add(action: str, obj: Any, changes: dict[str, Any]) -> None:
        table = getattr(obj, "__tablename__", "")
        if table not in AUDITED_TABLES:
            return
        entity_id = getattr(obj, "id", None)
        rows.append(
            {
                "at": now,
                "staff": staff,
                "action": action,
                "entity": table,
                "entity_id": entity_id if isinstance(entity_id, int) else None,
                "changes": dump(changes),
            }
        )

    for obj in session.new:
        add("insert", obj, _row_values(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            changes = _row_changes(obj)
            if changes:
                add("update", obj, changes)
    for obj in session.deleted:
        add("delete", obj, _row_values(obj))
    if rows:
        session.connection().execute(insert(table_of(AuditEntry)), rows)
