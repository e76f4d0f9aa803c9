"""Errors a person can act on: each names what was wrong and where, so shells print it, not a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from deskapp.core.records.quoting import shorten


class DeskError(Exception):
    """Base of every error the desk raises on purpose."""


@dataclass(frozen=True)
class FieldError:
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (got {shorten(repr(self.value))})"


class ValidationFailed(DeskError, ValueError):
    """One or more fields were refused; nothing was written."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def one(cls, field: str, value: Any, message: str) -> ValidationFailed:
        return cls([FieldError(field, value, message)])

    def for_field(self, field: str) -> str | None:
        return next((e.message for e in self.errors if e.field == field), None)


class NotFound(DeskError, LookupError):
    def __init__(self, kind: str, key: Any) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} with id {key}")


class ConflictError(DeskError):
    """Somebody else saved the record after it was read; `current` holds their values."""

    def __init__(self, kind: str, key: Any, current: dict[str, Any]) -> None:
        self.kind, self.key, self.current = kind, key, current
        super().__init__(f"{kind} {key} was changed by someone else; reload to see their version")


class InvalidTransition(DeskError):
    """The action does not fit the record's state (completing a done follow-up, resolving a closed case)."""


class DatabaseError(DeskError):
    """The database can't be used as a desk: not a desk file, made by a newer deskapp, unreadable."""
