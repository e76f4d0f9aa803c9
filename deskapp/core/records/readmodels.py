"""Plain, frozen values the shells render: no live ORM objects cross into the TUI or the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list; `has_more` says whether asking for the next offset returns anything."""

    items: tuple[T, ...]
    offset: int
    limit: int
    has_more: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class CustomerRow:
    id: int
    name: str
    company: str
    email: str
    phone: str
    stage: str
    owner: str
    source: str
    tags: tuple[str, ...]
    archived: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # interaction, complaint, purchase, follow_up, stage_change
    record_id: int
    title: str
    detail: str = ""
    staff: str = ""


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    customer_id: int
    customer_name: str
    due_date: date
    due_time: time | None
    kind: str
    note: str
    status: str
    assignee: str
    days_overdue: int  # > 0 overdue, 0 due today, < 0 upcoming
    complaint_id: int | None = None


@dataclass(frozen=True)
class ComplaintRow:
    id: int
    customer_id: int
    customer_name: str
    subject: str
    category: str
    priority: str
    status: str
    opened_at: datetime
    age_days: int
    first_response_due: datetime | None
    first_response_at: datetime | None
    first_response_late: bool
    owner: str


@dataclass(frozen=True)
class StageCount:
    stage: str
    customers: int


@dataclass(frozen=True)
class DeskSummary:
    """The short line of figures on the Today screen."""

    customers_by_stage: tuple[StageCount, ...]
    overdue: int
    due_today: int
    done_this_week: int
    open_complaints: int
    late_first_responses: int
    extra: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PurchaseRow:
    id: int
    customer_id: int
    ordered_at: datetime
    amount: Decimal
    cost: Decimal | None
    currency: str
    description: str
