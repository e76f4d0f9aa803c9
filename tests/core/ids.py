"""The primary key of a row a test just saved, as an `int`.

SQLModel types every `id` as `int | None` (None only until the first flush), so passing `customer.id` to a
service that takes an `int` needs the check once, here, instead of at every call.
"""

from __future__ import annotations

from typing import Protocol


class _Saved(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Saved) -> int:
    assert row.id is not None, f"{type(row).__name__} has no id yet: flush it first"
    return row.id
