"""Customers: create, update, archive, find, and the one timeline of everything that happened with them."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from deskapp.core.records import clock
from deskapp.core.records.errors import ConflictError, FieldError, NotFound, ValidationFailed
from deskapp.core.records.readmodels import CustomerRow, Page, TimelineEntry
from deskapp.core.records.settings import Settings, load_settings
from deskapp.core.records.tables import (
    Complaint,
    Customer,
    FollowUp,
    Interaction,
    OwnerChange,
    Purchase,
    Staff,
    Stage,
    StageChange,
)
from deskapp.core.records.validation import (
    clean_date,
    clean_email,
    clean_enum,
    clean_int,
    clean_phone,
    clean_special_day,
    clean_text,
    normalise_tags,
    phone_region_for,
    tag_list,
)

CUSTOMER_FIELDS = (
    "name",
    "company",
    "email",
    "phone",
    "tags",
    "source",
    "owner",
    "stage",
    "cadence_days",
    "birthday",
    "special_dates",
    "notes",
    "external_id",
)


def _clean_special_dates(value: Any) -> str:
    if value in (None, "", []):
        return ""
    items = json.loads(value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValidationFailed.one("special_dates", value, 'must be a list of {"label", "date"}')
    cleaned = []
    for item in items:
        if not isinstance(item, Mapping) or "date" not in item:
            raise ValidationFailed.one("special_dates", value, 'each entry needs a "date"')
        day = clean_special_day("special_dates", item["date"])
        cleaned.append({"label": clean_text("special_dates", item.get("label", ""), max_length=100), "date": day})
    return json.dumps(cleaned, ensure_ascii=False)


def _customer_cleaners(settings: Settings, country: str | None = None) -> dict[str, Callable[[Any], dict[str, Any]]]:
    """One cleaner per public field, each returning the stored column values it produces. A phone
    without a country code is read in the customer's `country` when known, else the desk's region."""
    from deskapp.core.customers.contacts import contact_field_cleaners

    def phone(v: Any) -> dict[str, Any]:
        e164, raw, search = clean_phone(v, phone_region_for(country, settings.phone_region))
        return {"phone": e164, "phone_raw": raw, "search_phone": search}

    return {
        **contact_field_cleaners(),
        "name": lambda v: {"name": clean_text("name", v, required=True, max_length=300)},
        "company": lambda v: {"company": clean_text("company", v, max_length=300)},
        "email": lambda v: {"email": clean_email(v)},
        "phone": phone,
        "tags": lambda v: {"tags": normalise_tags(v)},
        "source": lambda v: {"source": clean_text("source", v, max_length=100).lower()},
        "owner": lambda v: {"owner": clean_text("owner", v, max_length=64)},
        "stage": lambda v: {"stage": clean_enum(Stage, "stage", v, default=Stage.AWARENESS)},
        "cadence_days": lambda v: {"cadence_days": clean_int("cadence_days", v, minimum=1, maximum=3650)},
        "birthday": lambda v: {"birthday": clean_date("birthday", v)},
        "special_dates": lambda v: {"special_dates": _clean_special_dates(v)},
        "notes": lambda v: {"notes": clean_text("notes", v)},
        "external_id": lambda v: {"external_id": clean_text("external_id", v, max_length=200) or None},
        "archived": lambda v: {"archived": bool(v)},
    }


def clean_customer_fields(
    fields: Mapping[str, Any], settings: Settings, *, partial: bool = False, country: str | None = None
) -> dict[str, Any]:
    """Validate every given field at once, so a form can show all its errors together (`country`: the
    stored customer's, when the fields don't name one)."""
    cleaners = _customer_cleaners(settings, fields.get("country") or country)
    errors = [FieldError(name, fields[name], "is not a customer field") for name in sorted(set(fields) - set(cleaners))]
    out: dict[str, Any] = {}
    for name, cleaner in cleaners.items():
        if name not in fields and (partial or name == "archived"):
            continue
        try:
            out.update(cleaner(fields.get(name)))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return out


def ensure_staff(session: Session, login: str) -> None:
    """Known staff are listed in filters and pickers; anyone named as owner or staff becomes known."""
    if login and session.execute(select(Staff.id).where(Staff.login == login)).first() is None:
        session.add(Staff(login=login, display_name=login))
        session.flush()


def _check_unique(session: Session, values: Mapping[str, Any], exclude_id: int | None = None) -> None:
    errors = []
    if values.get("external_id"):
        query = select(Customer.id).where(Customer.external_id == values["external_id"])
        if exclude_id is not None:
            query = query.where(Customer.id != exclude_id)
        if session.execute(query).first() is not None:
            errors.append(FieldError("external_id", values["external_id"], "belongs to another customer"))
    if errors:
        raise ValidationFailed(errors)


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def create_customer(session: Session, settings: Settings | None = None, **fields: Any) -> Customer:
    """A new customer; the owner defaults to whoever is at the desk, and a non-default starting stage
    is recorded as the first stage change."""
    from deskapp.core.customers import lifecycle

    settings = settings or load_settings(session)
    values = clean_customer_fields(fields, settings)
    staff = str(session.info.get("staff") or "")
    values["owner"] = values.get("owner") or staff
    _check_unique(session, values)
    now = clock.now()
    customer = Customer(**values, created_at=now, updated_at=now)
    session.add(customer)
    session.flush()
    ensure_staff(session, customer.owner)
    lifecycle.record_initial_stage(session, customer, at=now)
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
                staff=str(session.info.get("staff") or ""),
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


def customer_snapshot(customer: Customer) -> dict[str, Any]:
    """Public field values of one customer, as plain JSON-able data."""
    from deskapp.core.customers.contacts import contact_snapshot

    return {
        "id": customer.id,
        "name": customer.name,
        "company": customer.company,
        "email": customer.email,
        "phone": customer.phone,
        "phone_raw": customer.phone_raw,
        "tags": tag_list(customer.tags),
        "source": customer.source,
        "owner": customer.owner,
        "stage": str(customer.stage),
        "cadence_days": customer.cadence_days,
        "birthday": customer.birthday.isoformat() if customer.birthday else None,
        "special_dates": json.loads(customer.special_dates) if customer.special_dates else [],
        "notes": customer.notes,
        **contact_snapshot(customer),
        "external_id": customer.external_id,
        "created_at": customer.created_at.isoformat(),
        "updated_at": customer.updated_at.isoformat(),
        "archived": customer.archived,
        "version": customer.version,
    }


def to_row(customer: Customer) -> CustomerRow:
    assert customer.id is not None
    return CustomerRow(
        id=customer.id,
        name=customer.name,
        company=customer.company,
        email=customer.email,
        phone=customer.phone,
        stage=str(customer.stage),
        owner=customer.owner,
        source=customer.source,
        tags=tuple(tag_list(customer.tags)),
        archived=customer.archived,
    )


# --- search -------------------------------------------------------------------------------------------------

SORTS = {
    "name": (Customer.name, Customer.id),
    "-name": (Customer.name.desc(), Customer.id.desc()),
    "created": (Customer.created_at, Customer.id),
    "-created": (Customer.created_at.desc(), Customer.id.desc()),
    "stage": (Customer.stage, Customer.name, Customer.id),
    "owner": (Customer.owner, Customer.name, Customer.id),
}


def search_customers(
    session: Session,
    query: str = "",
    *,
    stage: str | None = None,
    tag: str | None = None,
    owner: str | None = None,
    source: str | None = None,
    include_archived: bool = False,
    sort: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[CustomerRow]:
    """Customers matching the text (ranked: best first) and the filters, one page at a time.

    Matching is case- and accent-insensitive and by word prefix: "odon" finds "Ödön Kovács", "070 12"
    a phone number. With no text, the sort order applies (default by name).
    """
    from deskapp.core.customers.search import match_ids, top_ids

    limit = max(1, min(limit, 2000))
    base = select(*_ROW_COLUMNS)
    if not include_archived:
        base = base.where(Customer.archived.is_(False))  # type: ignore[attr-defined]
    if stage:
        base = base.where(Customer.stage == clean_enum(Stage, "stage", stage))
    if tag:
        base = base.where(Customer.tags.contains(normalise_tags(tag)))  # type: ignore[attr-defined]
    if owner:
        base = base.where(Customer.owner == owner)
    if source:
        base = base.where(Customer.source == source.lower())
    want = offset + limit + 1
    if not sort:
        # Fast path: the best-ranked ids from the index, then only those rows; taken when enough of them
        # pass the filters (or the index has no more), else the full ranked join below.
        slack = want + 200
        best = top_ids(session, query, slack)
        if best is not None:
            position = {cid: i for i, cid in enumerate(best)}
            found = session.execute(base.where(Customer.id.in_(best))).all() if best else []  # type: ignore[union-attr]
            if len(found) >= want or len(best) < slack:
                found.sort(key=lambda r: position[r.id])
                return _page(found[offset:want], offset, limit)
    stmt = base
    ranked = match_ids(session, query)
    if ranked is not None:
        stmt = stmt.join(ranked, ranked.c.id == Customer.id)
    if ranked is not None and not sort:
        stmt = stmt.order_by(ranked.c.rank, Customer.name, Customer.id)
    else:
        stmt = stmt.order_by(*SORTS.get(sort or "name", SORTS["name"]))
    rows = session.execute(stmt.offset(offset).limit(limit + 1)).all()
    return _page(rows, offset, limit)


_ROW_COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.company,
    Customer.email,
    Customer.phone,
    Customer.stage,
    Customer.owner,
    Customer.source,
    Customer.tags,
    Customer.archived,
)


def _page(rows: Any, offset: int, limit: int) -> Page[CustomerRow]:
    items = tuple(
        CustomerRow(
            id=r.id,
            name=r.name,
            company=r.company,
            email=r.email,
            phone=r.phone,
            stage=str(r.stage),
            owner=r.owner,
            source=r.source,
            tags=tuple(tag_list(r.tags)),
            archived=r.archived,
        )
        for r in rows[:limit]
    )
    return Page(items=items, offset=offset, limit=limit, has_more=len(rows) > limit)


def count_customers(session: Session, *, include_archived: bool = False) -> int:
    stmt = select(func.count()).select_from(Customer)
    if not include_archived:
        stmt = stmt.where(Customer.archived.is_(False))
    return int(session.execute(stmt).scalar_one())


def distinct_values(session: Session, column: str) -> list[str]:
    """The owners, sources or tags in use: what a filter can offer."""
    if column == "tags":
        tags: set[str] = set()
        for (stored,) in session.execute(select(Customer.tags).where(Customer.tags != "").distinct()):
            tags.update(tag_list(stored))
        return sorted(tags)
    col = {"owner": Customer.owner, "source": Customer.source}[column]
    return [v for (v,) in session.execute(select(col).where(col != "").distinct().order_by(col))]


# --- timeline -------------------------------------------------------------------------------------------------


def timeline(session: Session, customer_id: int, *, offset: int = 0, limit: int = 100) -> Page[TimelineEntry]:
    """Everything that happened with one customer, newest first, merged from each record kind.

    Each kind is read newest-first up to offset+limit+1 rows, so a page costs at most that many rows per
    kind however long the history is.
    """
    get_customer(session, customer_id)
    want = offset + limit + 1
    entries: list[TimelineEntry] = []
    for i in session.execute(
        select(Interaction)
        .where(Interaction.customer_id == customer_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(want)
    ).scalars():
        score = f" · score {i.score}" if i.score is not None else ""
        arrow = "←" if i.direction == "in" else "→"
        title = f"{i.channel} {arrow} {i.summary}".rstrip()
        entries.append(TimelineEntry(i.occurred_at, "interaction", i.id, title + score, i.details, i.staff))
    for c in session.execute(
        select(Complaint).where(Complaint.customer_id == customer_id).order_by(Complaint.opened_at.desc()).limit(want)
    ).scalars():
        title = f"complaint [{c.priority}/{c.status}] {c.subject}"
        detail = c.resolution if c.resolution else c.details
        entries.append(TimelineEntry(c.opened_at, "complaint", c.id, title, detail, c.owner))
    for p in session.execute(
        select(Purchase).where(Purchase.customer_id == customer_id).order_by(Purchase.ordered_at.desc()).limit(want)
    ).scalars():
        entries.append(
            TimelineEntry(p.ordered_at, "purchase", p.id, f"purchase {p.amount} {p.currency} {p.description}".rstrip())
        )
    for f in session.execute(
        select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.due_date.desc()).limit(want)
    ).scalars():
        at = f.completed_at or f.created_at  # when it was scheduled or done, not a future due day
        entries.append(
            TimelineEntry(
                at,
                "follow_up",
                f.id,
                f"follow-up {f.kind.replace('_', '-')} ({f.status}) due {f.due_date}",
                f.note,
                f.assignee,
            )
        )
    for s in session.execute(
        select(StageChange).where(StageChange.customer_id == customer_id).order_by(StageChange.at.desc()).limit(want)
    ).scalars():
        how = "automatic" if s.automatic else "by hand"
        from_stage = s.from_stage or "new"
        churn = f" ({s.churn_reason})" if s.churn_reason else ""
        entries.append(
            TimelineEntry(
                s.at, "stage_change", s.id, f"stage {from_stage} → {s.to_stage}{churn} [{how}]", s.reason, s.staff
            )
        )
    entries.sort(key=lambda e: (e.at, e.record_id), reverse=True)
    page = entries[offset : offset + limit]
    return Page(items=tuple(page), offset=offset, limit=limit, has_more=len(entries) > offset + limit)


def find_customer_by(session: Session, *, external_id: str | None = None, email: str | None = None) -> Customer | None:
    if external_id:
        found = session.execute(select(Customer).where(Customer.external_id == external_id)).scalars().first()
        if found is not None:
            return found
    if email:
        return (
            session.execute(select(Customer).where(func.lower(Customer.email) == email.lower()).order_by(Customer.id))
            .scalars()
            .first()
        )
    return None


__all__ = [
    "archive_customer",
    "clean_customer_fields",
    "count_customers",
    "create_customer",
    "customer_snapshot",
    "distinct_values",
    "find_customer_by",
    "get_customer",
    "search_customers",
    "timeline",
    "to_row",
    "update_customer",
]
