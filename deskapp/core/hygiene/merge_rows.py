"""Rows as JSON and back, exactly: what a merge keeps so that its undo restores every value bit for bit.

Values go through each column's own type on the way back (aware UTC datetimes, Decimal money, dates,
times, enum members), so a restored row compares equal to the original on SQLite and PostgreSQL alike.
Also the list of tables that hang off a customer, which merge and undo walk.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, Table, Time, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from deskapp.core.db import json_value
from deskapp.core.records import (
    Complaint,
    Customer,
    CustomerEmail,
    CustomerPhone,
    DeskError,
    FollowUp,
    Interaction,
    Money,
    OwnerChange,
    Purchase,
    StageChange,
    UTCDateTime,
    table_of,
)

# A customer's history: every row of these follows its customer into a merge (by `customer_id`).
# Further e-mails and phones move too: the survivor keeps every way to reach the person.
HISTORY = (Interaction, Complaint, Purchase, FollowUp, StageChange, OwnerChange, CustomerEmail, CustomerPhone)
# Referrals point at two customers; merge handles both ends itself.
REFERRAL_COLUMNS = ("referrer_id", "referred_id")
DERIVED = frozenset({"search_text"})  # kept by a PostgreSQL trigger; never compared or restored by hand


def customer_table() -> Table:
    return table_of(Customer)


def decode(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Money):
        return Decimal(value)
    if isinstance(kind, SAEnum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    return value


def row_json(table: Table, row: Any) -> dict[str, Any]:
    """A row (a mapping or a Row) as JSON-able values, derived columns left out."""
    mapping = row._mapping if hasattr(row, "_mapping") else row
    return {c.name: json_value(mapping[c.name]) for c in table.columns if c.name not in DERIVED}


def json_row(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Values for an INSERT or UPDATE from `row_json` output."""
    return {name: decode(table.c[name], value) for name, value in data.items() if name not in DERIVED}


def read_row(session: Session, table: Table, row_id: int) -> dict[str, Any] | None:
    row = session.connection().execute(select(table).where(table.c.id == row_id)).first()
    return row_json(table, row) if row is not None else None


def desk_tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def unknown_references(session: Session, customer_id: int) -> list[str]:
    """Tables outside the known history that hold rows pointing at this customer: a merge that deleted
    the customer would cascade them away, so it refuses instead (a new table must be taught to move)."""
    known = {table_of(m).name for m in HISTORY} | {"referral"}
    found = []
    for table in desk_tables():
        if table.name in known:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == "customer" and fk.parent.table is table:
                count = session.connection().execute(select(fk.parent).where(fk.parent == customer_id).limit(1)).first()
                if count is not None:
                    found.append(f"{table.name}.{fk.parent.name}")
    return found


def refuse_unknown_references(session: Session, customer_id: int) -> None:
    unknown = unknown_references(session, customer_id)
    if unknown:
        raise DeskError(
            f"customer {customer_id} is referred to from {', '.join(unknown)}, which merging doesn't know how "
            "to move; nothing was changed"
        )
