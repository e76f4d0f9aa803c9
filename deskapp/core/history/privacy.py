"""A person's rights over their data: everything held about them (access), and erasure.

Erasure removes what identifies or describes the person from every table, the search index and the audit
trail's old values, but keeps the anonymised facts the business figures rest on (purchase amounts and
dates, stage history, complaint categories, NPS scores), so revenue, churn and NPS stay right. SQLite's
secure_delete overwrites the freed pages; older backups still hold the data until they rotate out.
"""

from __future__ import annotations

import json
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, delete, or_, select, text, update
from sqlmodel import Session, col

from deskapp.core.customers import customer_snapshot, get_customer
from deskapp.core.db import audit
from deskapp.core.history.bulk import forget_in_bulk_edits
from deskapp.core.hygiene import forget_merges_of
from deskapp.core.io import forget_in_imports
from deskapp.core.records import (
    AuditEntry,
    Complaint,
    CustomerEmail,
    CustomerPhone,
    FollowUp,
    Interaction,
    OwnerChange,
    Purchase,
    Referral,
    StageChange,
    clock,
    table_of,
)

CHILDREN = (Interaction, Complaint, Purchase, FollowUp, StageChange, OwnerChange, CustomerEmail, CustomerPhone)
# Erasure blanks these columns of the customer row (name, birthday and external id are handled apart).
ERASED_TEXT = (
    "company", "email", "phone", "phone_raw", "search_phone", "tags", "notes", "special_dates",
    "street", "postcode", "city", "region", "country", "language", "consent_source", "search_contacts",
)  # fmt: skip


def _in_referral(customer_id: int) -> ColumnElement[bool]:
    return or_(col(Referral.referrer_id) == customer_id, col(Referral.referred_id) == customer_id)


def _plain_row(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        out[column.key] = value if isinstance(value, int | float | bool | type(None)) else str(value)
    out.pop("search_text", None)
    return out


def _changed(session: Session, stmt: Executable) -> int:
    """Rows an UPDATE or DELETE touched: Session.execute is typed as a plain Result, which has no rowcount."""
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount or 0)


def person_record(session: Session, customer_id: int) -> dict[str, Any]:
    """Everything the desk holds about one person, as JSON-able data (their right of access)."""
    customer = get_customer(session, customer_id)
    record: dict[str, Any] = {"exported_at": clock.now().isoformat(), "customer": customer_snapshot(customer)}
    for model in CHILDREN:
        rows = session.execute(
            select(model).where(col(model.customer_id) == customer_id).order_by(col(model.id))
        ).scalars()
        record[str(model.__tablename__)] = [_plain_row(r) for r in rows]
    referrals = session.execute(select(Referral).where(_in_referral(customer_id))).scalars()
    record["referral"] = [_plain_row(r) for r in referrals]
    entries = session.execute(
        select(AuditEntry)
        .where(col(AuditEntry.entity) == "customer", col(AuditEntry.entity_id) == customer_id)
        .order_by(col(AuditEntry.id))
    ).scalars()
    record["audit_entry"] = [_plain_row(e) for e in entries]
    return record


def erase_person(session: Session, customer_id: int) -> dict[str, int]:
    """Remove a person's personal data everywhere, keeping anonymised figures; returns what was touched."""
    customer = get_customer(session, customer_id)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:
        session.execute(text("PRAGMA secure_delete=ON"))
    touched: dict[str, int] = {}
    child_ids = {
        str(model.__tablename__): list(
            session.execute(select(col(model.id)).where(col(model.customer_id) == customer_id)).scalars()
        )
        for model in CHILDREN
    }
    touched["follow_up"] = _changed(session, delete(FollowUp).where(col(FollowUp.customer_id) == customer_id))
    for contact in (CustomerEmail, CustomerPhone):  # further e-mails and phones are nothing but personal data
        table = table_of(contact)
        touched[table.name] = _changed(session, delete(table).where(table.c.customer_id == customer_id))
    touched["interaction"] = _changed(
        session,
        update(Interaction)
        .where(col(Interaction.customer_id) == customer_id)
        .values(summary="", details="", external_id=None),
    )
    touched["complaint"] = _changed(
        session,
        update(Complaint)
        .where(col(Complaint.customer_id) == customer_id)
        .values(subject="(erased)", details="", resolution=""),
    )
    touched["purchase"] = _changed(
        session, update(Purchase).where(col(Purchase.customer_id) == customer_id).values(description="")
    )
    touched["stage_change"] = _changed(
        session, update(StageChange).where(col(StageChange.customer_id) == customer_id).values(reason="")
    )
    touched["referral"] = _changed(session, update(Referral).where(_in_referral(customer_id)).values(note=""))
    # The audit trail's old values describe the person too: keep that a change happened, not what it was.
    scrubbed = 0
    for entity, ids in [("customer", [customer_id]), *child_ids.items()]:
        if ids:
            scrubbed += _changed(
                session,
                update(AuditEntry)
                .where(col(AuditEntry.entity) == entity, col(AuditEntry.entity_id).in_(ids))
                .values(changes=json.dumps(audit.ERASED)),
            )

    scrubbed += forget_in_imports(session, {"customer": [customer_id], **child_ids})
    touched["audit_entry"] = scrubbed + forget_in_bulk_edits(session, customer_id)
    # Merge records keep snapshots of both customers for undo: they hold the person's data too.

    touched["merge_record"] = forget_merges_of(session, customer_id)
    customer.name = f"Erased customer {customer_id}"
    for field in ERASED_TEXT:
        setattr(customer, field, "")
    customer.birthday = None
    customer.marketing_consent = None
    customer.consent_at = None
    customer.external_id = None
    customer.archived = True
    customer.version += 1
    customer.updated_at = clock.now()
    session.flush()
    # The update above was audited with the old values: scrub that entry as well, then record the erasure.
    session.execute(
        update(AuditEntry)
        .where(col(AuditEntry.entity) == "customer", col(AuditEntry.entity_id) == customer_id)
        .values(changes=json.dumps(audit.ERASED))
    )
    if sqlite:
        session.execute(text("INSERT INTO customer_fts(customer_fts) VALUES ('optimize')"))
    audit.record(session, action="erase", entity="customer", entity_id=customer_id, changes={"erased": True, **touched})
    return touched
