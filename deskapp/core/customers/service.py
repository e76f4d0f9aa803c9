"""Customers: create, update and archive one, and its public snapshot.

Finding (`lookup`, `listing`), cleaning (`cleaning`) and the timeline (`timeline`) live beside this module;
their names are re-exported here for callers that still import them from `customers.service`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.customers.cleaning import clean_customer_fields, clean_special_dates, customer_cleaners
from deskapp.core.customers.lifecycle import record_initial_stage
from deskapp.core.customers.listing import count_customers, distinct_values, search_customers, to_row
from deskapp.core.customers.lookup import find_customer_by, get_customer
from deskapp.core.customers.timeline import timeline
from deskapp.core.db import staff_of
from deskapp.core.records import (
    PUBLIC_COLUMNS,
    ConflictError,
    Customer,
    FieldError,
    NotFound,
    OwnerChange,
    Settings,
    Staff,
    ValidationFailed,
    clock,
    load_settings,
    tag_list,
)


def ensure_staff(session: Session, login: str) -> None:
    """Known staff are listed in filters and pickers; anyone named as owner or staff becomes known."""
    if login and session.execute(select(col(Staff.id)).where(col(Staff.login) == login)).first() is None:
        session.add(Staff(login=login, display_name=login))
        session.flush()


def _check_unique(session: Session, values: Mapping[str, Any], exclude_id: int | None = None) -> None:
    errors = []
    if values.get("external_id"):
        query = select(col(Customer.id)).where(col(Customer.external_id) == values["external_id"])
        if exclude_id is not None:
            query = query.where(col(Customer.id) != exclude_id)
        if session.execute(query).first() is not None:
            errors.append(FieldError("external_id", values["external_id"], "belongs to another customer"))
    if errors:
        raise ValidationFailed(errors)


def create_customer(session: Session, settings: Settings | None = None, **fields: Any) -> Customer:
    """A new customer; the owner defaults to whoever is at the desk, and a non-default starting stage
    is recorded as the first stage change."""
    settings = settings or load_settings(session)
    values = clean_customer_fields(fields, settings)
    staff = staff_of(session)
    values["owner"] = values.get("owner") or staff
    _check_unique(session, values)
    now = clock.now()
    customer = Customer(**values, created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    ensure_staff(session, customer.owner)
    record_initial_stage(session, customer, at=now)
    return customer


def update_customer(
    session: Session,
    customer_id: int,
    *,
    expected_version: int | None = None,
    settings: Settings | None = None,
    **fields: Any,
) -> Customer:
    """Change some fields. With `expected_version`, refuse (ConflictError, with the newer values) when
    someone else saved the customer since it was read. Stage changes go through `lifecycle.change_stage`."""
    settings = settings or load_settings(session)
    customer = session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        raise NotFound("customer", customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise ConflictError("customer", customer_id, customer_snapshot(customer))
    if "stage" in fields:
        raise ValidationFailed.one("stage", fields["stage"], "change the stage with change_stage (it asks a reason)")
    values = clean_customer_fields(fields, settings, partial=True, country=customer.country)
    _check_unique(session, values, exclude_id=customer_id)
    if "owner" in values and values["owner"] != customer.owner:
        session.add(
            OwnerChange(
                customer_id=customer_id,
                from_owner=customer.owner,
                to_owner=values["owner"],
                at=clock.now(),
                staff=staff_of(session),
            )
        )
        ensure_staff(session, values["owner"])
    changed = False
    for key, value in values.items():
        if getattr(customer, key) != value:
            setattr(customer, key, value)
            changed = True
    if changed:
        customer.version += 1
        customer.updated_at = clock.now()
    session.flush()
    return customer


def archive_customer(session: Session, customer_id: int, *, archived: bool = True) -> Customer:
    """Archived customers leave lists and search but keep their history (and the figures stay right)."""
    customer = get_customer(session, customer_id)
    if customer.archived != archived:
        customer.archived = archived
        customer.version += 1
        customer.updated_at = clock.now()
        session.flush()
    return customer


def _iso_or_none(day: date | None) -> str | None:
    return day.isoformat() if day else None


# How a stored column is shown outside the desk, where it isn't shown as it is stored.
_PUBLIC_FORMS: dict[str, Callable[[Any], Any]] = {
    "tags": tag_list,
    "stage": str,
    "birthday": _iso_or_none,
    "special_dates": lambda stored: json.loads(stored) if stored else [],
    "marketing_consent": lambda stored: str(stored) if stored else None,
    "consent_at": lambda stored: stored.isoformat() if stored else None,
    "created_at": datetime.isoformat,
    "updated_at": datetime.isoformat,
}


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    """Public field values of one customer, as plain JSON-able data (the registry's PUBLIC_COLUMNS)."""
    return {column: _PUBLIC_FORMS.get(column, _as_stored)(getattr(customer, column)) for column in PUBLIC_COLUMNS}


def _as_stored(value: Any) -> Any:
    return value


# Older names, kept while callers outside the package move to the package face.
_customer_cleaners = customer_cleaners

__all__ = [
    "archive_customer",
    "clean_customer_fields",
    "clean_special_dates",
    "count_customers",
    "create_customer",
    "customer_cleaners",
    "customer_snapshot",
    "distinct_values",
    "ensure_staff",
    "find_customer_by",
    "get_customer",
    "search_customers",
    "timeline",
    "to_row",
    "update_customer",
]
