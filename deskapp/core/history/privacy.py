"""A person's rights over their data: everything held about them (access), and erasure.

Erasure removes what identifies or describes the person from every table, the search index and the audit
trail's old values, but keeps the anonymised facts the business figures rest on (purchase amounts and
dates, stage history, complaint categories, NPS scores), so revenue, churn and NPS stay right. SQLite's
secure_delete overwrites the freed pages; older backups still hold the data until they rotate out.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, or_, select, text, update
from sqlmodel import Session

from deskapp.core.customers.service import customer_snapshot, get_customer
from deskapp.core.db import audit
from deskapp.core.records import clock
from deskapp.core.records.contact_tables import CustomerEmail, CustomerPhone
from deskapp.core.records.tables import (
    AuditEntry,
    Complaint,
    FollowUp,
    Interaction,
    OwnerChange,
    Purchase,
    Referral,
    StageChange,
    table_of,
)

CHILDREN = (Interaction, Complaint, Purchase, FollowUp, StageChange, OwnerChange, CustomerEmail, CustomerPhone)
# Erasure blanks these columns of the customer row (name, birthday and external id are handled apart).
ERASED_TEXT = (
    "company", "email", "phone", "phone_raw", "search_phone", "tags", "notes", "special_dates",
    "street", "postcode", "city", "region", "country", "language", "consent_source", "search_contacts",
)  # fmt: skip


def _plain_row(obj: Any) -> dict[str, Any]:
    out = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        out[column.key] = value if isinstance(value, int | float | bool | type(None)) else str(value)
    out.pop("search_text", None)
    return out


def person_record(session: Session, customer_id: int) -> dict[str, Any]:
    """Everything the desk holds about one person, as JSON-able data (their right of access)."""
    customer = get_customer(session, customer_id)
    record: dict[str, Any] = {"exported_at": clock.now().isoformat(), "customer": customer_snapshot(customer)}
    for model in CHILDREN:
        rows = session.execute(select(model).where(model.customer_id == customer_id).order_by(model.id)).scalars()  # type: ignore[attr-defined]
        record[model.__tablename__] = [_plain_row(r) for r in rows]
    referrals = session.execute(
        select(Referral).where(or_(Referral.referrer_id == customer_id, Referral.referred_id == customer_id))
    ).scalars()
    record["referral"] = [_plain_row(r) for r in referrals]
    entries = session.execute(
        select(AuditEntry)
        .where(AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id)
        .order_by(AuditEntry.id)
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
        model.__tablename__: [r[0] for r in session.execute(select(model.id).where(model.customer_id == customer_id))]  # type: ignore[attr-defined]
        for model in CHILDREN
    }
    touched["follow_up"] = session.execute(delete(FollowUp).where(FollowUp.customer_id == customer_id)).rowcount  # type: ignore[arg-type]
    for contact in (CustomerEmail, CustomerPhone):  # further e-mails and phones are nothing but personal data
        table = table_of(contact)
        touched[table.name] = session.execute(delete(table).where(table.c.customer_id == customer_id)).rowcount
    touched["interaction"] = session.execute(
        update(Interaction)
        .where(Interaction.customer_id == customer_id)
        .values(summary="", details="", external_id=None)  # type: ignore[arg-type]
    ).rowcount
    touched["complaint"] = session.execute(
        update(Complaint)
        .where(Complaint.customer_id == customer_id)
        .values(subject="(erased)", details="", resolution="")  # type: ignore[arg-type]
    ).rowcount
    touched["purchase"] = session.execute(
        update(Purchase).where(Purchase.customer_id == customer_id).values(description="")  # type: ignore[arg-type]
    ).rowcount
    touched["stage_change"] = session.execute(
        update(StageChange).where(StageChange.customer_id == customer_id).values(reason="")  # type: ignore[arg-type]
    ).rowcount
    touched["referral"] = session.execute(
        update(Referral)
        .where(or_(Referral.referrer_id == customer_id, Referral.referred_id == customer_id))
        .values(note="")  # type: ignore[arg-type]
    ).rowcount
    # The audit trail's old values describe the person too: keep that a change happened, not what it was.
    scrubbed = 0
    for entity, ids in [("customer", [customer_id]), *child_ids.items()]:
        if ids:
            scrubbed += session.execute(
                update(AuditEntry)
                .where(AuditEntry.entity == entity, AuditEntry.entity_id.in_(ids))  # type: ignore[union-attr]
                .values(changes=json.dumps(audit.ERASED))
            ).rowcount
    from deskapp.core.history.bulk import forget_in_bulk_edits
    from deskapp.core.io.importing.batches import forget_in_imports

    scrubbed += forget_in_imports(session, {"customer": [customer_id], **child_ids})
    touched["audit_entry"] = scrubbed + forget_in_bulk_edits(session, customer_id)
    # Merge records keep snapshots of both customers for undo: they hold the person's data too.
    from deskapp.core.hygiene.merge_history import forget_merges_of

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
        .where(AuditEntry.entity == "customer", AuditEntry.entity_id == customer_id)
        .values(changes=json.dumps(audit.ERASED))
    )
    if sqlite:
        session.execute(text("INSERT INTO customer_fts(customer_fts) VALUES ('optimize')"))
    audit.record(session, action="erase", entity="customer", entity_id=customer_id, changes={"erased": True, **touched})
    return touched
