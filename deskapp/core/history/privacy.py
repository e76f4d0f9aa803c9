"""A person's rights over their data: everything held about them (access), and erasure.

Erasure removes what identifies or describes the person from every table, the search index and the audit
trail's old values, but keeps the anonymised facts the business figures rest on (purchase amounts and
dates, stage history, complaint categories, NPS scores), so revenue, churn and NPS stay right. SQLite's
secure_delete overwrites the freed pages; older backups still hold the data until they rotate out.
"""

from __future__ import annotations

import json
import time
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Executable, delete, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from deskapp.core.customers import customer_snapshot, get_customer
from deskapp.core.db import BUSY_TIMEOUT_MS, audit
from deskapp.core.history.bulk import BULK_ACTION, forget_in_bulk_edits
from deskapp.core.history.bulk_payload import BulkPayload
from deskapp.core.hygiene import forget_merges_of
from deskapp.core.io import forget_in_imports
from deskapp.core.records import (
    AuditEntry,
    Complaint,
    CustomerEmail,
    CustomerPhone,
    FollowUp,
    Interaction,
    MergeRecord,
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
    record["audit_entry"] = _audit_about(session, customer_id, record)
    record["merge_record"] = _merge_records(session, customer_id)
    record["bulk_edit"] = _bulk_edits_of(session, customer_id)
    return record


def _audit_about(session: Session, customer_id: int, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The trail of the person, of each of their calls, complaints, purchases, follow-ups and referrals, and of
    the duplicates merged into them (what erasure scrubs is what access shows)."""
    wanted: list[tuple[str, list[int]]] = [("customer", [customer_id])]
    for model in CHILDREN:
        table = str(model.__tablename__)
        wanted.append((table, [r["id"] for r in record[table]]))
    wanted += list(_related_ids(session, customer_id).items())
    entries: dict[int, dict[str, Any]] = {}
    for entity, ids in wanted:
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(AuditEntry).where(
                    col(AuditEntry.entity) == entity, col(AuditEntry.entity_id).in_(ids[start : start + 500])
                )
            ).scalars()
            entries.update((int(e.id or 0), _plain_row(e)) for e in rows)
    return [entries[k] for k in sorted(entries)]


def _merge_records(session: Session, customer_id: int) -> list[dict[str, Any]]:
    involved = or_(col(MergeRecord.survivor_id) == customer_id, col(MergeRecord.other_id) == customer_id)
    rows = session.execute(select(MergeRecord).where(involved).order_by(col(MergeRecord.id))).scalars()
    return [_plain_row(r) for r in rows]


def _bulk_edits_of(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The bulk edits that changed the person: when, by whom, what, and their own value before (only theirs:
    the same entry holds the other customers' old values, which are not this person's to see)."""
    found = session.execute(
        select(AuditEntry).where(
            col(AuditEntry.action) == BULK_ACTION, col(AuditEntry.changes).like(f'%"id": {int(customer_id)},%')
        )
    ).scalars()
    out: list[dict[str, Any]] = []
    for entry in found:
        payload = BulkPayload.from_json(json.loads(entry.changes))
        mine = [item for item in payload.customers if item.id == customer_id]
        if mine:
            out.append(
                {"id": entry.id, "at": str(entry.at), "staff": entry.staff, "change": payload.change.to_json(),
                 "before": mine[0].before}
            )  # fmt: skip
    return out


def _related_ids(session: Session, customer_id: int) -> dict[str, list[int]]:
    """Rows about the person that don't carry their customer_id: merged-away duplicates, referrals."""
    merged = session.execute(
        select(col(MergeRecord.other_id)).where(col(MergeRecord.survivor_id) == customer_id)
    ).scalars()
    referrals = session.execute(select(col(Referral.id)).where(_in_referral(customer_id))).scalars()
    return {"customer": [int(i) for i in merged], "referral": [int(i) for i in referrals if i is not None]}


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
    # That includes the duplicates merged into them (their entries hold full snapshots) and their referrals.
    scrubbed = 0
    related = _related_ids(session, customer_id)
    for entity, ids in [("customer", [customer_id]), *child_ids.items(), *related.items()]:
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


CHECKPOINT_TRIES = 10
CHECKPOINT_WAIT_MS = 200


def flush_erasure(engine: Engine) -> bool:
    """After an erasure commits: copy the WAL into the file and truncate it, so the old values (in WAL frames
    and, through secure_delete, freed pages) are overwritten on disk. A desk in the middle of a read holds the
    WAL back; this waits for it briefly. False: it is still held (say so: the values stay in the -wal file
    until that desk lets go and the next checkpoint runs). PostgreSQL has no such file: always True."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        try:
            for _ in range(CHECKPOINT_TRIES):
                busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy and frames in (0, -1) and copied in (0, -1):
                    return True
                time.sleep(CHECKPOINT_WAIT_MS / 1000)
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return False
