"""Customers in, a batch at a time: match by external_id, then e-mail; insert the new, update the changed.

What the core's `create_customer` and `update_customer` do per customer happens here per batch, set-wise:
the owner defaults to the staff member importing, the first stage is recorded as a stage change, a
changed owner is recorded as an owner change, and anyone named as owner becomes known staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select

from deskapp.core.customers import CONTACT_FIELDS
from deskapp.core.db import json_value
from deskapp.core.io.importing.context import WriteContext
from deskapp.core.io.importing.kinds import CUSTOMERS
from deskapp.core.io.importing.rows import CleanRow
from deskapp.core.io.importing.write_contacts import add_contacts, held_contacts, merged_search
from deskapp.core.records import ChurnReason, Customer, OwnerChange, Staff, Stage, StageChange, table_of

CUSTOMER: Table = table_of(Customer)
STAGE_CHANGE: Table = table_of(StageChange)
INSERT_COLUMNS = (
    "name",
    "company",
    "email",
    "phone",
    "phone_raw",
    "search_phone",
    "tags",
    "source",
    "owner",
    "stage",
    "cadence_days",
    "birthday",
    "special_dates",
    "notes",
    "external_id",
    "created_at",
    "updated_at",
    "archived",
    "version",
    *CONTACT_FIELDS,
    "search_contacts",
)
NOT_TEXT = frozenset({"marketing_consent", "consent_at"})  # contact fields whose empty value is NULL
# `insert_customers` builds its tuples in INSERT_COLUMNS order: owner is at 8, stage at 9, created_at at 15.
BULK_INDEX_FROM = 500  # batches this large index the search in one statement (see searchindex.py)
STAGE_COLUMNS = ("customer_id", "from_stage", "to_stage", "at", "reason", "churn_reason", "staff", "automatic")


def _churn_reason(values: dict[str, Any], stage: Stage) -> ChurnReason | None:
    if stage != Stage.CHURNED:
        return None
    return values.get("churn_reason") or ChurnReason.OTHER


def insert_customers(ctx: WriteContext, values: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new customers (with their first stage change); returns their ids in order."""
    if not values:
        return []
    now, staff = ctx.now, ctx.staff
    awareness = Stage.AWARENESS
    tuples = []
    for v in values:
        get = v.get
        tuples.append(
            (
                v["name"],
                get("company", ""),
                get("email", ""),
                get("phone", ""),
                get("phone_raw", ""),
                get("search_phone", ""),
                get("tags", ""),
                get("source", ""),
                get("owner") or staff,
                get("stage") or awareness,
                get("cadence_days"),
                get("birthday"),
                get("special_dates", ""),
                get("notes", ""),
                get("external_id"),
                get("created_at") or now,
                now,
                get("archived", False),
                1,
                *(get(f, None if f in NOT_TEXT else "") for f in CONTACT_FIELDS),
                get("search_contacts", ""),
            )
        )
    if len(tuples) >= BULK_INDEX_FROM and not ctx.store.search.tried:
        ctx.store.search.begin_bulk()
    ids = ctx.store.insert_ids(CUSTOMER, INSERT_COLUMNS, tuples)
    ctx.store.search.index(ids[0], ids[-1])
    reason = f"imported from {ctx.file_name}"[:2000]
    changes = [
        (customer_id, None, row[9], row[15], reason, _churn_reason(v, row[9]), staff, True)
        for customer_id, v, row in zip(ids, values, tuples, strict=True)
    ]
    ctx.note_inserted("customer", ids)
    extras = [(cid, v) for cid, v in zip(ids, values, strict=True) if "search_contacts" in v]
    if extras:
        add_contacts(ctx, extras, {})
    ctx.note_inserted("stage_change", ctx.store.insert_ids(STAGE_CHANGE, STAGE_COLUMNS, changes))
    ctx.counts.stage_changes += len(changes)
    ensure_staff(ctx, {t[8] for t in tuples})
    return ids


def ensure_staff(ctx: WriteContext, logins: set[str]) -> None:
    """Anyone named as owner or staff becomes known staff (what `customers.ensure_staff` does per row)."""
    table: Table = table_of(Staff)
    wanted = {login for login in logins if login}
    if not wanted:
        return
    known = {login for (login,) in ctx.store.fetch("SELECT login FROM staff WHERE login IN {keys}", wanted)}
    missing = sorted(wanted - known)
    ids = ctx.store.insert_ids(table, ("login", "display_name", "created_at"), [(m, m, ctx.now) for m in missing])
    ctx.note_inserted("staff", ids)


def _match(ctx: WriteContext, rows: Sequence[CleanRow]) -> list[tuple[CleanRow, int | None]]:
    """Each row with the id of the customer it updates (None: a new customer); ambiguous rows are rejected."""
    store = ctx.store
    by_ext = {
        ext: cid
        for cid, ext in store.fetch(
            "SELECT id, external_id FROM customer WHERE external_id IN {keys}",
            (row.values.get("external_id") for row in rows),
        )
    }
    by_email: dict[str, list[tuple[int, str | None]]] = {}
    for cid, email, ext in sorted(
        store.fetch(
            "SELECT id, email, external_id FROM customer WHERE email IN {keys}",
            (row.values.get("email") for row in rows),
        )
    ):
        by_email.setdefault(email, []).append((cid, ext))
    guarded = [
        row.values.get("id") for row in rows if not row.values.get("external_id") and not row.values.get("email")
    ]
    by_id = dict(store.fetch("SELECT id, name FROM customer WHERE id IN {keys}", guarded))
    matched: list[tuple[CleanRow, int | None]] = []
    for row in rows:
        v = row.values
        ext, email, own_id = v.get("external_id"), v.get("email"), v.get("id")
        if ext and ext in by_ext:
            matched.append((row, by_ext[ext]))
            continue
        if email:
            candidates = [cid for cid, cext in by_email.get(email, []) if cext is None or cext == ext]
            if len(candidates) > 1:
                ids = ", ".join(str(c) for c in candidates[:5])
                ctx.row_error(
                    row, "email", "email", email, f"matches {len(candidates)} customers ({ids}); add an external_id"
                )
                continue
            matched.append((row, candidates[0] if candidates else None))
            continue
        # Our own export re-imported: a customer with neither external_id nor e-mail is known by id and name.
        same = not ext and own_id in by_id and by_id[own_id] == v.get("name")
        matched.append((row, own_id if same else None))
    return matched


def write_customers(ctx: WriteContext, rows: Sequence[CleanRow]) -> None:
    t, store = CUSTOMER, ctx.store
    matched = _match(ctx, rows)
    existing = {
        r.id: r
        for r in store.rows_in(
            lambda ks: select(t).where(t.c.id.in_(ks)), (cid for _, cid in matched if cid is not None)
        )
    }
    held = held_contacts(ctx, [cid for row, cid in matched if cid is not None and "search_contacts" in row.values])
    extras: list[tuple[int, dict[str, Any]]] = []
    new: list[CleanRow] = []
    updates: list[tuple[int, dict[str, Any]]] = []
    stage_changes, owner_changes, owners = [], [], set()
    for row, cid in matched:
        v = row.values
        if cid is None:
            new.append(row)
            continue
        old = existing[cid]
        if "search_contacts" in v:  # further e-mails and phones are added to those held, never replace them
            v = {**v, "search_contacts": merged_search(old.search_contacts, v["search_contacts"])}
            extras.append((cid, v))
        changes = {f: v[f] for f in CUSTOMERS.compare if f in v and v[f] != getattr(old, f)}
        if "phone" in changes:
            changes.update(phone_raw=v.get("phone_raw", ""), search_phone=v.get("search_phone", ""))
        if v.get("external_id") and old.external_id is None:
            changes["external_id"] = v["external_id"]
        stage = v.get("stage")
        if stage is not None and stage != old.stage:
            changes["stage"] = stage
        if not changes:
            ctx.counts.unchanged += 1
            continue
        if ctx.on_conflict == "skip":
            ctx.counts.skipped += 1
            continue
        if ctx.on_conflict == "error":
            field_name = next(iter(changes))
            what = f"{field_name}: {json_value(getattr(old, field_name))!r} -> {json_value(changes[field_name])!r}"
            ctx.row_error(
                row,
                field_name,
                field_name,
                v.get(field_name),
                f"customer {cid} already exists with other values ({what})",
            )
            continue
        audit = {f: [json_value(getattr(old, f)), json_value(val)] for f, val in changes.items() if f != "search_phone"}
        if "stage" in changes:
            why = f"changed by import from {ctx.file_name}"[:2000]
            to = changes["stage"]
            stage_changes.append((cid, old.stage, to, ctx.now, why, _churn_reason(v, to), ctx.staff, False))
        if "owner" in changes:
            owner_changes.append((cid, old.owner, changes["owner"], ctx.now, ctx.staff))
            owners.add(changes["owner"])
        updates.append((cid, {**changes, "version": old.version + 1, "updated_at": ctx.now}))
        prior = {"version": old.version, "updated_at": old.updated_at}
        if "phone" in changes:
            prior["search_phone"] = old.search_phone
        ctx.note_updated("customer", cid, audit, prior)
    store.update_rows(t, updates)
    updated_ids = {cid for cid, _ in updates}
    add_contacts(ctx, [(cid, v) for cid, v in extras if cid in updated_ids], held)
    ctx.counts.updated += len(updates)
    ctx.note_inserted("stage_change", store.insert_ids(STAGE_CHANGE, STAGE_COLUMNS, stage_changes))
    ctx.counts.stage_changes += len(stage_changes)
    owner_table: Table = table_of(OwnerChange)
    owner_cols = ("customer_id", "from_owner", "to_owner", "at", "staff")
    ctx.note_inserted("owner_change", store.insert_ids(owner_table, owner_cols, owner_changes))
    ensure_staff(ctx, owners)
    if ctx.likely is not None and new:  # likely duplicates: reported, or left out with --duplicates skip
        new = ctx.likely.screen(store.session, new, ctx.counts)
    ids = insert_customers(ctx, [row.values for row in new])
    if ctx.likely is not None and new:
        ctx.likely.created(new, ids)
    ctx.counts.inserted += len(ids)
