"""Who is at the desk, and who a session writes for: the name every record's staff or owner field holds.

Kept apart from the sessions so the audit hook (which the sessions install) can read it without a cycle.
"""

from __future__ import annotations

import getpass
import os

from sqlalchemy.orm import Session

STAFF_KEY = "staff"  # the key in `Session.info` that session_scope fills and every writer reads


def current_staff(explicit: str | None = None) -> str:
    """`--as`, then DESKAPP_USER, then the OS login: the name written into every record's staff field."""
    for candidate in (explicit, os.environ.get("DESKAPP_USER")):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers): still a usable desk
        return "unknown"


def staff_of(session: Session) -> str:
    """The staff member a session writes for; "" for a session opened without one (scripts, tests)."""
    return str(session.info.get(STAFF_KEY) or "")
