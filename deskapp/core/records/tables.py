"""The desk's records: SQLModel tables and the closed sets of values they use.

Enum values are the public strings: they appear in files, JSON and on the command line, so renaming one is
a data migration, not a refactor. Money is `Decimal` stored as cents; times are aware UTC; dates that are
only dates (a birthday, a due day) stay dates.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol, cast

from sqlalchemy import Column, Index, Table, UniqueConstraint, text
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

# Tables kept in their own modules load with this one, so whoever reads SQLModel.metadata (migrations, db
# copy, the schema test) sees every table whatever else was imported.
from deskapp.core.records.contact_tables import ConsentStatus, CustomerEmail, CustomerPhone  # noqa: F401
from deskapp.core.records.import_tables import ImportBatch, ImportPrior  # noqa: F401
from deskapp.core.records.merge_tables import MergeRecord  # noqa: F401
from deskapp.core.records.types import Money, UTCDateTime, utcnow


class Stage(enum.StrEnum):
    AWARENESS = "awareness"
    CONSIDERATION = "consideration"
    PURCHASE = "purchase"
    RETENTION = "retention"
    ADVOCACY = "advocacy"
    CHURNED = "churned"


class ChurnReason(enum.StrEnum):
    NOT_CARED_FOR = "not_cared_for"
    QUALITY = "quality"
    COMPETITOR = "competitor"
    PRICE = "price"
    NO_LONGER_NEEDED = "no_longer_needed"
    OTHER = "other"


class Channel(enum.StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    CHAT = "chat"
    SOCIAL = "social"
    VISIT = "visit"
    NOTE = "note"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class ComplaintCategory(enum.StrEnum):
    NOT_CARED_FOR = "not_cared_for"
    QUALITY = "quality"
    PRICE = "price"
    COMPETITOR = "competitor"
    DELIVERY = "delivery"
    BILLING = "billing"
    OTHER = "other"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class ComplaintStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.OPEN,
    ComplaintStatus.IN_PROGRESS,
    ComplaintStatus.WAITING_ON_CUSTOMER,
)


class FollowUpKind(enum.StrEnum):
    CHECK_IN = "check_in"
    THANK_YOU = "thank_you"
    COMPLAINT_FOLLOW_UP = "complaint_follow_up"
    ONBOARDING = "onboarding"
    SPECIAL_DAY = "special_day"
    WIN_BACK = "win_back"
    REFERRAL_ASK = "referral_ask"  # a delighted customer (9-10): ask for a referral or a review
    OTHER = "other"


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"
    CANCELLED = "cancelled"


PENDING_FOLLOW_UP_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.SNOOZED)
# The same set as literal SQL, so the planner can match queries to the partial index below.
PENDING_SQL = "status IN ('open', 'snoozed')"


def enum_column(kind: type[enum.Enum], *, nullable: bool = False, index: bool = False) -> Any:
    """A VARCHAR column holding the enum's public value (no native enum type, so engines move freely)."""
    return Column(
        SAEnum(
            kind,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        nullable=nullable,
        index=index,
    )


def table_of(model: Any) -> Table:
    """A SQLModel table class's Core table (typed: SQLModel's metaclass hides `__table__` from type checkers)."""
    return cast(Table, model.__table__)


class Keyed(Protocol):
    id: int | None


def id_of(row: Keyed) -> int:
    """A stored row's id. A row not yet flushed has none: say so rather than let a NULL key travel on."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush the session first")
    return row.id


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def money_column(*, nullable: bool = False) -> Any:
    return Column(Money(), nullable=nullable)


class Staff(SQLModel, table=True):
    """A person using the desk; `login` is what every record's staff/owner field holds."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Customer(SQLModel, table=True):
    __table_args__ = (
        Index("ix_customer_name_id", "name", "id"),
        Index("ix_customer_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    company: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=320)
    phone: str = Field(default="", max_length=32)  # E.164, or "" when there is none
    phone_raw: str = Field(default="", max_length=64)  # exactly what was typed or imported
    search_phone: str = Field(default="")  # digit forms of the phone (E.164, national) for the search index
    search_text: str | None = Field(default=None)  # PostgreSQL only: folded words, kept by a trigger
    tags: str = Field(default="")  # ",tag1,tag2," so a tag filter is one LIKE on a whole token
    source: str = Field(default="", max_length=100, index=True)
    owner: str = Field(default="", max_length=64, index=True)
    stage: Stage = Field(default=Stage.AWARENESS, sa_column=enum_column(Stage, index=True))
    cadence_days: int | None = Field(default=None)
    birthday: date | None = Field(default=None)
    special_dates: str = Field(default="")  # JSON list of {"label": str, "date": "YYYY-MM-DD"}
    notes: str = Field(default="")
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    archived: bool = Field(default=False, index=True)
    version: int = Field(default=1)  # optimistic concurrency: bumped by every update
    # The postal address and what else a contact holds (migration 0005); country is ISO 3166 alpha-2 and
    # decides how a phone number without a country code is read.
    street: str = Field(default="", max_length=300)
    postcode: str = Field(default="", max_length=32)
    city: str = Field(default="", max_length=100)
    region: str = Field(default="", max_length=100)
    country: str = Field(default="", max_length=2)
    language: str = Field(default="", max_length=35)  # preferred language, a BCP 47 tag ("sv", "en-GB")
    marketing_consent: ConsentStatus | None = Field(default=None, sa_column=enum_column(ConsentStatus, nullable=True))
    consent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    consent_source: str = Field(default="", max_length=200)  # how it was given or withdrawn
    search_contacts: str = Field(default="")  # the further e-mails and phones' digit forms, for the index


class Interaction(SQLModel, table=True):
    __table_args__ = (Index("ix_interaction_customer_at", "customer_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    channel: Channel = Field(sa_column=enum_column(Channel))
    direction: Direction = Field(default=Direction.OUT, sa_column=enum_column(Direction))
    occurred_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    summary: str = Field(default="", max_length=500)
    details: str = Field(default="")
    staff: str = Field(default="", max_length=64)
    score: int | None = Field(default=None)  # 0-10, an NPS answer
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Purchase(SQLModel, table=True):
    __table_args__ = (Index("ix_purchase_customer_at", "customer_id", "ordered_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    ordered_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    amount: Decimal = Field(sa_column=money_column())
    cost: Decimal | None = Field(default=None, sa_column=money_column(nullable=True))
    currency: str = Field(default="EUR", max_length=3)
    description: str = Field(default="", max_length=500)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Complaint(SQLModel, table=True):
    __table_args__ = (Index("ix_complaint_status_priority", "status", "priority"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    subject: str = Field(max_length=500)
    details: str = Field(default="")
    category: ComplaintCategory = Field(default=ComplaintCategory.OTHER, sa_column=enum_column(ComplaintCategory))
    priority: Priority = Field(default=Priority.NORMAL, sa_column=enum_column(Priority))
    status: ComplaintStatus = Field(default=ComplaintStatus.OPEN, sa_column=enum_column(ComplaintStatus))
    first_response_due: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    first_response_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    resolution: str = Field(default="")
    owner: str = Field(default="", max_length=64)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class FollowUp(SQLModel, table=True):
    __tablename__ = "follow_up"
    __table_args__ = (
        # Only pending reminders are ever listed by date: a partial index stays small as done ones pile up.
        Index(
            "ix_follow_up_pending_due",
            "due_date",
            "due_time",
            "id",
            sqlite_where=text(PENDING_SQL),
            postgresql_where=text(PENDING_SQL),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    due_date: date
    due_time: time | None = Field(default=None)  # local wall-clock time, when the reminder has one
    kind: FollowUpKind = Field(default=FollowUpKind.CHECK_IN, sa_column=enum_column(FollowUpKind))
    note: str = Field(default="")
    status: FollowUpStatus = Field(default=FollowUpStatus.OPEN, sa_column=enum_column(FollowUpStatus))
    completed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    assignee: str = Field(default="", max_length=64)
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id", ondelete="SET NULL")
    purchase_id: int | None = Field(default=None, foreign_key="purchase.id", ondelete="SET NULL")
    automatic: bool = Field(default=False)
    external_id: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    version: int = Field(default=1)


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"
    __table_args__ = (Index("ix_stage_change_customer_at", "customer_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    from_stage: Stage | None = Field(default=None, sa_column=enum_column(Stage, nullable=True))
    to_stage: Stage = Field(sa_column=enum_column(Stage))
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    reason: str = Field(default="")
    churn_reason: ChurnReason | None = Field(default=None, sa_column=enum_column(ChurnReason, nullable=True))
    staff: str = Field(default="", max_length=64)
    automatic: bool = Field(default=False)


class OwnerChange(SQLModel, table=True):
    """Changes of a customer's owner, kept apart so "who looked after them, when" is one query."""

    __tablename__ = "owner_change"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    from_owner: str = Field(default="", max_length=64)
    to_owner: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    staff: str = Field(default="", max_length=64)


class Referral(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("referred_id", name="uq_referral_referred"),)

    id: int | None = Field(default=None, primary_key=True)
    referrer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    referred_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    note: str = Field(default="")
    staff: str = Field(default="", max_length=64)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when: written by the session hook for every ORM write and by bulk writers."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
    staff: str = Field(default="", max_length=64)
    action: str = Field(max_length=32)  # insert, update, delete, import, erase, ...
    entity: str = Field(max_length=64)
    entity_id: int | None = Field(default=None)
    changes: str = Field(default="")  # JSON: {"field": [old, new]} or the inserted values


class Setting(SQLModel, table=True):
    """Business settings the owner can change (default margin, cadences, ...), as JSON values."""

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(default="null")


AUDITED_TABLES = frozenset(
    {
        "customer",
        "interaction",
        "purchase",
        "complaint",
        "follow_up",
        "stage_change",
        "owner_change",
        "referral",
        "staff",
        "setting",
        "customer_email",
        "customer_phone",
    }
)
