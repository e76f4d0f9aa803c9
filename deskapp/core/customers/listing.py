"""Lists of customers: ranked text search with filters, a page at a time, counts and filter values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from deskapp.core.customers.lookup import get_customer
from deskapp.core.customers.search import match_ids, top_ids
from deskapp.core.records import (
    Customer,
    CustomerRow,
    Page,
    Stage,
    ValidationFailed,
    clean_enum,
    normalise_tags,
    tag_list,
)


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


SORTS = {
    "name": (col(Customer.name), col(Customer.id)),
    "-name": (col(Customer.name).desc(), col(Customer.id).desc()),
    "created": (col(Customer.created_at), col(Customer.id)),
    "-created": (col(Customer.created_at).desc(), col(Customer.id).desc()),
    "stage": (col(Customer.stage), col(Customer.name), col(Customer.id)),
    "owner": (col(Customer.owner), col(Customer.name), col(Customer.id)),
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
    limit = max(1, min(limit, 2000))
    base = select(*_ROW_COLUMNS)
    if not include_archived:
        base = base.where(col(Customer.archived).is_(False))
    if stage:
        base = base.where(col(Customer.stage) == clean_enum(Stage, "stage", stage))
    if tag:
        base = base.where(col(Customer.tags).contains(normalise_tags(tag)))
    if owner:
        base = base.where(col(Customer.owner) == owner)
    if source:
        base = base.where(col(Customer.source) == source.lower())
    want = offset + limit + 1
    if not sort:
        # Fast path: the best-ranked ids from the index, then only those rows; taken when enough of them
        # pass the filters (or the index has no more), else the full ranked join below.
        slack = want + 200
        best = top_ids(session, query, slack)
        if best is not None:
            position = {cid: i for i, cid in enumerate(best)}
            found = list(session.execute(base.where(col(Customer.id).in_(best))).all()) if best else []
            if len(found) >= want or len(best) < slack:
                found.sort(key=lambda r: position[r.id])
                return _page(found[offset:want], offset, limit)
    stmt = base
    ranked = match_ids(session, query)
    if ranked is not None:
        stmt = stmt.join(ranked, ranked.c.id == col(Customer.id))
    if ranked is not None and not sort:
        stmt = stmt.order_by(ranked.c.rank, col(Customer.name), col(Customer.id))
    else:
        stmt = stmt.order_by(*SORTS.get(sort or "name", SORTS["name"]))
    rows = session.execute(stmt.offset(offset).limit(limit + 1)).all()
    return _page(rows, offset, limit)


_ROW_COLUMNS = (
    col(Customer.id),
    col(Customer.name),
    col(Customer.company),
    col(Customer.email),
    col(Customer.phone),
    col(Customer.stage),
    col(Customer.owner),
    col(Customer.source),
    col(Customer.tags),
    col(Customer.archived),
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
        stmt = stmt.where(col(Customer.archived).is_(False))
    return int(session.execute(stmt).scalar_one())


def distinct_values(session: Session, column: str) -> list[str]:
    """The owners, sources or tags in use: what a filter can offer."""
    if column == "tags":
        tags: set[str] = set()
        for (stored,) in session.execute(select(col(Customer.tags)).where(col(Customer.tags) != "").distinct()):
            tags.update(tag_list(stored))
        return sorted(tags)
    chosen = {"owner": col(Customer.owner), "source": col(Customer.source)}[column]
    return [v for (v,) in session.execute(select(chosen).where(chosen != "").distinct().order_by(chosen))]


def pick_customer(session: Session, text: str, *, field: str) -> int:
    """The one customer a person means by `text`: an id (`12` or `#12`), or words that match exactly one
    customer (or one whose whole name it is). Otherwise a field error saying how many matched."""
    wanted = text.strip().lstrip("#")
    if wanted.isdigit():
        get_customer(session, int(wanted))
        return int(wanted)
    page = search_customers(session, wanted, limit=6)
    exact = [row for row in page.items if row.name.casefold() == wanted.casefold()]
    if len(page.items) == 1 or len(exact) == 1:
        return (exact or list(page.items))[0].id
    if not page.items:
        raise ValidationFailed.one(field, text, "matches no customer; type part of the name or the id")
    more = "6 or more" if page.has_more or len(page.items) >= 6 else str(len(page.items))
    raise ValidationFailed.one(field, text, f"matches {more} customers; type more of the name, or the id")
