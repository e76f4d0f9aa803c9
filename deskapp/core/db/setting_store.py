"""Writing one business setting with an audit entry that says which key went from what to what.

Here rather than in the ops layer because a desk being created stores its locale's settings (see
`engine.open_engine`) through the same path as a person's change. The write bypasses the ORM on purpose:
the session hook would record an update of the `setting` row without its key (the table has no id).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from deskapp.core.db import audit
from deskapp.core.records import Setting, plain_setting

SETTING_ACTION = "setting"  # the audit entries' action: {"key": ..., "value": [before, after]}


def is_stored(session: Session, key: str) -> bool:
    table = Setting.__table__  # type: ignore[attr-defined]
    return session.execute(select(table.c.key).where(table.c.key == key)).first() is not None


def write_setting(session: Session, key: str, value: Any, *, before: Any, reset: bool = False, why: str = "") -> None:
    """Store `value` under `key` (with `reset`, remove the row so the default applies again), and record
    `before` -> `value` in the audit trail with the session's staff member; `why` says what asked for it."""
    table = Setting.__table__  # type: ignore[attr-defined]
    stored = is_stored(session, key)
    text = json.dumps(plain_setting(value))
    if reset:
        session.execute(delete(table).where(table.c.key == key))
    elif stored:
        session.execute(update(table).where(table.c.key == key).values(value=text))
    else:
        session.execute(insert(table).values(key=key, value=text))
    for obj in list(session.identity_map.values()):  # a setting row loaded earlier in this session is stale now
        if isinstance(obj, Setting) and obj.key == key:
            session.expunge(obj)
    changes: dict[str, Any] = {"key": key, "value": [plain_setting(before), plain_setting(value)]}
    if reset:
        changes["reset"] = True
    if why:
        changes["why"] = why
    audit.record(session, action=SETTING_ACTION, entity="setting", entity_id=None, changes=audit.Summary(changes))
