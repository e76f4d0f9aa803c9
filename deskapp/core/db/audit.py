"""The audit trail: every ORM write through a `DeskSession` records who, when and what changed.

Done as a session hook rather than a call in each service, so a new service can't forget it. Bulk writers
that bypass the ORM (the importer) call `record` themselves with a summary of the batch. Each entry's
`changes` is one typed payload (`RowValues`, `FieldChanges`, `Summary`) written and read back here only.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

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


class AuditPayload(Protocol):
    """What an entry's `changes` column holds, as a value that writes itself to JSON."""

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class RowValues:
    """An insert or a delete: the row's column values (enums, times and money as `json_value` writes them)."""

    values: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {key: json_value(value) for key, value in self.values.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RowValues:
        return cls(dict(data))


@dataclass(frozen=True)
class FieldChanges:
    """An update: each changed field's value before and after, written as {"field": [old, new]}."""

    changes: Mapping[str, tuple[Any, Any]]

    def to_json(self) -> dict[str, Any]:
        return {key: [json_value(old), json_value(new)] for key, (old, new) in self.changes.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldChanges:
        return cls({key: (pair[0], pair[1]) for key, pair in data.items()})


@dataclass(frozen=True)
class Summary:
    """Any other entry (an import, an erasure, a transfer, a sample load): flat figures and flags."""

    fields: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {key: json_value(value) for key, value in self.fields.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Summary:
        return cls(dict(data))


ROW_ACTIONS = frozenset({"insert", "delete"})


def payload_of(entry: AuditEntry) -> RowValues | FieldChanges | Summary:
    """An entry's `changes`, read back as the payload its action wrote."""
    data = json.loads(entry.changes) if entry.changes else {}
    if entry.action in ROW_ACTIONS:
        return RowValues.from_json(data)
    if entry.action == "update":
        return FieldChanges.from_json(data)
    return Summary.from_json(data)


def _entry(
    *, at: datetime, staff: str, action: str, entity: str, entity_id: int | None, payload: AuditPayload
) -> dict[str, Any]:
    """One audit_entry row: the single place its columns are spelled out."""
    return {
        "at": at,
        "staff": staff,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "changes": dump(payload.to_json()),
    }


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: int | None,
    changes: AuditPayload | Mapping[str, Any],
) -> None:
    """Write one audit entry in the session's transaction. A plain mapping is taken as a `Summary`."""
    payload = Summary(changes) if isinstance(changes, Mapping) else changes
    row = _entry(
        at=utcnow(), staff=staff_of(session), action=action, entity=entity, entity_id=entity_id, payload=payload
    )
    session.connection().execute(insert(table_of(AuditEntry)), row)


def _row_changes(obj: Any) -> FieldChanges:
    state = inspect(obj)
    changes: dict[str, tuple[Any, Any]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old != new:
                changes[attr.key] = (old, new)
    return FieldChanges(changes)


def _row_values(obj: Any) -> RowValues:
    state = inspect(obj)
    return RowValues(
        {attr.key: getattr(obj, attr.key) for attr in state.mapper.column_attrs if attr.key not in SKIPPED_FIELDS}
    )


def after_flush(session: Session, _context: Any) -> None:
    """The session hook (installed on DeskSession by `deskapp.core.db.sessions`)."""
    rows: list[dict[str, Any]] = []
    staff = staff_of(session)
    now = utcnow()

    def add(action: str, obj: Any, payload: AuditPayload) -> None:
        table = getattr(obj, "__tablename__", "")
        if table not in AUDITED_TABLES:
            return
        entity_id = getattr(obj, "id", None)
        key = entity_id if isinstance(entity_id, int) else None
        rows.append(_entry(at=now, staff=staff, action=action, entity=table, entity_id=key, payload=payload))

    for obj in session.new:
        add("insert", obj, _row_values(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            changes = _row_changes(obj)
            if changes.changes:
                add("update", obj, changes)
    for obj in session.deleted:
        add("delete", obj, _row_values(obj))
    if rows:
        session.connection().execute(insert(table_of(AuditEntry)), rows)
