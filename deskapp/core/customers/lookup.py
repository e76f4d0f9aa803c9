"""Finding one customer: by id (or NotFound), by external id or e-mail. The lowest layer of the package,
so the services and the lifecycle rules both read customers through it."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from deskapp.core.records import Customer, NotFound


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def find_customer_by(session: Session, *, external_id: str | None = None, email: str | None = None) -> Customer | None:
    if external_id:
        found = session.scalars(select(Customer).where(col(Customer.external_id) == external_id)).first()
        if found is not None:
            return found
    if email:
        return session.scalars(
            select(Customer).where(func.lower(col(Customer.email)) == email.lower()).order_by(col(Customer.id))
        ).first()
    return None
