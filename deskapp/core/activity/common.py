"""What every activity service shares: all field errors gathered at once, and who did it.

Every service validates all its fields first, then writes and applies the lifecycle rules in the
caller's transaction: either all of it lands or none of it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from deskapp.core.db import staff_of
from deskapp.core.records import ValidationFailed


def staff_or_session(session: Session, given: str | None = None) -> str:
    """The staff member named, else the one the session writes for."""
    return (given or "").strip() or staff_of(session)


def collect(*steps: Callable[[], Any]) -> list[Any]:
    """Run each cleaner, gathering every field error instead of stopping at the first."""
    values, errors = [], []
    for step in steps:
        try:
            values.append(step())
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            values.append(None)
    if errors:
        raise ValidationFailed(errors)
    return values
