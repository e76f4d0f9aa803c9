"""Interactions, purchases, complaints and follow-ups in, a batch at a time.

Each row finds its customer (external_id, then e-mail, then id; created with --create-missing), is
recognised if it was imported before (by external_id, else by its natural key: the same customer, moment
and content), and is inserted, updated or counted unchanged. The lifecycle effects of new purchases and
interactions follow in `effects`, for the whole batch at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, select

from deskapp.core.db import json_value
from deskapp.core.io.importing import effects
from deskapp.core.io.importing.context import WriteContext
from deskapp.core.io.importing.kinds import KINDS
from deskapp.core.io.importing.rows import CleanRow
from deskapp.core.io.importing.write_customers import ensure_staff, insert_customers
from deskapp.core.records import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    Direction,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Interaction,
    Priority,
    Purchase,
    table_of,
)

TABLES: dict[str, Table] = {
    "interactions": table_of(Interaction),
    "purchases": table_of(Purchase),
    "complaints": table_of(Complaint),
    "followups": table_of(FollowUp),
}
INSERT_COLUMNS = {kind: tuple(c.name for c in t.c if c.name != "id") for kind, t in TABLES.items()}
COLUMN_NAMES = {kind: frozenset(cols) for kind, cols in INSERT_COLUMNS.items()}
REF_FIELDS = ("customer_external_id", "customer_email", "customer_id")
LINKS = (("complaint", table_of(Complaint)), ("purchase", table_of(Purchase)))


def _defaults(kind: str, v: dict[str, Any], owner: str, ctx: WriteContext) -> dict[str, Any]:
    """A full row: the file's values over what the core services would fill in."""
    now, staff = ctx.now, ctx.staff
    if kind == "interactions":
        base: dict[str, Any] = {"direction": Direction.OUT, "summary": "", "details": "", "staff": staff, "score": None}
        return {**base, **v, "staff": v.get("staff") or staff, "created_at": now}
    if kind == "purchases":
        return {"cost": None, "description": "", **v, "created_at": now}
    if kind == "complaints":
        base = {
            "details": "",
            "category": ComplaintCategory.OTHER,
            "priority": Priority.NORMAL,
            "status": ComplaintStatus.OPEN,
            "first_response_at": None,
            "resolved_at": None,
            "resolution": "",
        }
        row = {**base, **v, "owner": v.get("owner") or owner or staff, "updated_at": now}
        if not row.get("first_response_due"):
            hours = ctx.settings.first_response_hours.get(str(row["priority"]), 48)
            row["first_response_due"] = row["opened_at"] + timedelta(hours=hours)
        return row
    base = {
        "due_time": None,
        "kind": FollowUpKind.CHECK_IN,
        "note": "",
        "status": FollowUpStatus.OPEN,
        "completed_at": None,
        "complaint_id": None,
        "purchase_id": None,
        "automatic": False,
    }
    return {**base, **v, "assignee": v.get("assignee") or owner or staff, "created_at": now, "version": 1}


def _resolve_customers(ctx: WriteContext, rows: Sequence[CleanRow]) -> dict[int, tuple[int, str]]:
    """Row index -> (customer id, owner); unknown customers are created (--create-missing) or rejected.

    Purchases and interactions don't need the owner: without it the external_id lookup is answered from
    its index alone, which matters when the desk is far larger than the page cache."""
    store = ctx.store
    owner = "owner" if ctx.kind in ("complaints", "followups") else "''"
    by_ext: dict[Any, tuple[int, str]] = {}
    by_email: dict[Any, list[tuple[int, str]]] = {}
    by_id: dict[Any, tuple[int, str]] = {}
    for cid, who, ext in store.fetch(
        f"SELECT id, {owner}, external_id FROM customer WHERE external_id IN {{keys}}",
        (row.values.get("customer_external_id") for row in rows),
    ):
        by_ext[ext] = (cid, who)
    for cid, who, email in sorted(
        store.fetch(
            f"SELECT id, {owner}, email FROM customer WHERE email IN {{keys}}",
            (row.values.get("customer_email") for row in rows),
        )
    ):
        by_email.setdefault(email, []).append((cid, who))
    for cid, who in store.fetch(
        f"SELECT id, {owner} FROM customer WHERE id IN {{keys}}", (row.values.get("customer_id") for row in rows)
    ):
        by_id[cid] = (cid, who)
    found: dict[int, tuple[int, str]] = {}
    missing: dict[tuple[str, Any], list[int]] = {}
    for i, row in enumerate(rows):
        v = row.values
        ext, email, cid = v.get("customer_external_id"), v.get("customer_email"), v.get("customer_id")
        if ext and ext in by_ext:
            found[i] = by_ext[ext]
        elif email and len(by_email.get(email, [])) > 1:
            listed = ", ".join(str(c) for c, _ in by_email[email][:5])
            ctx.row_error(
                row,
                "customer_email",
                "customer_email",
                email,
                f"matches several customers ({listed}); use customer_external_id",
            )
        elif email and email in by_email:
            found[i] = by_email[email][0]
        elif cid and cid in by_id:
            found[i] = by_id[cid]
        elif ctx.create_missing and (ext or email):
            missing.setdefault(("ext", ext) if ext else ("email", email), []).append(i)
        else:
            field_name, value = next((f, v[f]) for f in REF_FIELDS if v.get(f))
            hint = "" if field_name == "customer_id" else " (--create-missing creates them)"
            ctx.row_error(
                row,
                field_name,
                field_name,
                value,
                f"no customer with this {field_name.removeprefix('customer_')}{hint}",
            )
    if missing:
        firsts = [rows[indexes[0]].values for indexes in missing.values()]
        new: list[dict[str, Any]] = [
            {
                "name": v.get("customer_name") or v.get("customer_email") or v.get("customer_external_id"),
                "email": v.get("customer_email") or "",
                "external_id": v.get("customer_external_id"),
            }
            for v in firsts
        ]
        ids = insert_customers(ctx, new)
        ctx.counts.customers_created += len(ids)
        for cid, indexes in zip(ids, missing.values(), strict=True):
            for i in indexes:
                found[i] = (cid, ctx.staff)
    return found


def _resolve_links(ctx: WriteContext, rows: Sequence[CleanRow], keep: dict[int, tuple[int, str]]) -> None:
    """Follow-ups' complaint/purchase links by external id (or id), which must belong to the same customer."""
    for name, table in LINKS:
        ext_field, id_field = f"{name}_external_id", f"{name}_id"
        wanted_ext = [rows[i].values.get(ext_field) for i in keep]
        wanted_ids = [rows[i].values.get(id_field) for i in keep]
        if not any(wanted_ext) and not any(wanted_ids):
            continue
        by_ext = {
            ext: (row_id, cid)
            for row_id, cid, ext in ctx.store.fetch(
                f"SELECT id, customer_id, external_id FROM {table.name} WHERE external_id IN {{keys}}", wanted_ext
            )
        }
        by_id = {
            row_id: (row_id, cid)
            for row_id, cid in ctx.store.fetch(
                f"SELECT id, customer_id FROM {table.name} WHERE id IN {{keys}}", wanted_ids
            )
        }
        for i in list(keep):
            v = rows[i].values
            ext, own = v.pop(ext_field, None), v.pop(id_field, None)
            target = by_ext.get(ext) if ext else by_id.get(own) if own else None
            if target is not None and target[1] == keep[i][0]:
                v[id_field] = target[0]
            elif ext:
                ctx.row_error(rows[i], ext_field, ext_field, ext, f"no {name} with this external id for this customer")
                del keep[i]
            elif own:
                # A desk's own ids mean nothing in another desk: keep the follow-up, drop the link.
                ctx.warn(f"line {rows[i].line}: {id_field} {own} is not this customer's {name}; link left out")


def _natural_key(kind: str, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(f) for f in KINDS[kind].natural_key)


def _existing(ctx: WriteContext, kind: str, full: dict[int, dict[str, Any]]) -> dict[int, Any]:
    """Row index -> the stored record it repeats (same external_id, or same natural key when it has none)."""
    t, spec = TABLES[kind], KINDS[kind]
    by_ext = {
        r.external_id: r
        for r in ctx.store.rows_in(
            lambda ks: select(t).where(t.c.external_id.in_(ks)), (v.get("external_id") for v in full.values())
        )
    }
    plain_rows = {i: v for i, v in full.items() if not v.get("external_id")}
    by_key: dict[tuple[Any, ...], Any] = {}
    if plain_rows:
        when = spec.natural_key[1]
        moments = {v[when] for v in plain_rows.values()}
        for r in ctx.store.rows_in(
            lambda ks: select(t).where(t.c.customer_id.in_(ks), t.c[when].in_(moments)),
            (v["customer_id"] for v in plain_rows.values()),
        ):
            by_key.setdefault(tuple(getattr(r, f) for f in spec.natural_key), r)
    out = {}
    for i, v in full.items():
        match = by_ext.get(v["external_id"]) if v.get("external_id") else by_key.get(_natural_key(kind, v))
        if match is not None:
            out[i] = match
    return out


def write_activity(ctx: WriteContext, rows: Sequence[CleanRow]) -> None:
    kind = ctx.kind
    t, spec = TABLES[kind], KINDS[kind]
    customers = _resolve_customers(ctx, rows)
    if kind == "followups":
        _resolve_links(ctx, rows, customers)
    stored = COLUMN_NAMES[kind]
    full = {}
    for i, (cid, owner) in customers.items():
        values = {k: val for k, val in rows[i].values.items() if k in stored}
        values["customer_id"] = cid
        full[i] = _defaults(kind, values, owner, ctx)
    existing = _existing(ctx, kind, full)
    updates, new_rows = [], []
    for i, row in full.items():
        old = existing.get(i)
        if old is None:
            new_rows.append((i, row))
            continue
        given = rows[i].values
        changes = {f: row[f] for f in spec.compare if f in given}
        changes = {f: val for f, val in changes.items() if val != getattr(old, f)}
        if old.customer_id != row["customer_id"]:
            changes["customer_id"] = row["customer_id"]
        if not changes:
            ctx.counts.unchanged += 1
        elif ctx.on_conflict == "skip":
            ctx.counts.skipped += 1
        elif ctx.on_conflict == "error":
            name = next(iter(changes))
            ctx.row_error(
                rows[i], name, name, given.get(name), f"already imported as {spec.table} {old.id} with other values"
            )
        else:
            extra = {"updated_at": ctx.now} if "updated_at" in t.c else {}
            if "version" in t.c:
                extra["version"] = old.version + 1
            updates.append((old.id, {**changes, **extra}))
            ctx.note_updated(
                spec.table,
                old.id,
                {f: [json_value(getattr(old, f)), json_value(val)] for f, val in changes.items()},
                {k: getattr(old, k) for k in extra},
            )
    ctx.store.update_rows(t, updates)
    ctx.counts.updated += len(updates)
    with_effects = kind in ("purchases", "interactions")
    if with_effects:
        started = time.perf_counter()
        effects.before_insert(ctx, kind, [row for _, row in new_rows])
        ctx.lifecycle_seconds += time.perf_counter() - started
    columns = INSERT_COLUMNS[kind]
    ids = ctx.store.insert_ids(t, columns, [tuple(map(row.get, columns)) for _, row in new_rows])
    ctx.note_inserted(spec.table, ids)
    ctx.counts.inserted += len(ids)
    if kind == "interactions":
        ensure_staff(ctx, {row["staff"] for _, row in new_rows})
    if with_effects:
        started = time.perf_counter()
        effects.after_insert(ctx, kind, [(pid, row) for pid, (_, row) in zip(ids, new_rows, strict=True)])
        ctx.lifecycle_seconds += time.perf_counter() - started
