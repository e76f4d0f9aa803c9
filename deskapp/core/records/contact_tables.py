"""A customer's further e-mail addresses and phone numbers, each with its label ("work", "E-mail 2").

The primary of each stays on the customer row (`customer.email`, `customer.phone`), so lists, matching,
merges and the importer's upserts keep one place to look; these tables hold the others, in the order the
person or the file gave them. The search index reads them through `customer.search_contacts`, which the
services and the importer keep in step (see deskapp.core.customers.contacts).
"""

from __future__ import annotations

import enum

from sqlmodel import Field, SQLModel


class ConsentStatus(enum.StrEnum):
    """Whether the customer agreed to marketing; no value means nobody asked (treated as no)."""

    GIVEN = "given"
    WITHDRAWN = "withdrawn"


class CustomerEmail(SQLModel, table=True):
    __tablename__ = "customer_email"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    address: str = Field(max_length=320)
    label: str = Field(default="", max_length=64)
    position: int = Field(default=0)


class CustomerPhone(SQLModel, table=True):
    __tablename__ = "customer_phone"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    phone: str = Field(max_length=32)  # E.164
    phone_raw: str = Field(default="", max_length=64)
    label: str = Field(default="", max_length=64)
    position: int = Field(default=0)
