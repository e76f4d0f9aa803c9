"""What the sweep rules share: the key prefix that makes them idempotent, the plan of one follow-up, and
the keys already used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import fetch
from deskapp.core.analytics.predict.checks import MIN_BUYERS
from deskapp.core.records import (
    FollowUp,
    FollowUpKind,
)

KEY_PREFIX = "auto:"
MIN_MODEL_CUSTOMERS = MIN_BUYERS  # the same bar as the Reports page and `report clv`: they must agree
SUGGESTION = "Call and ask how they are doing; if they have gone, mark them churned with the reason."


@dataclass(frozen=True)
class Plan:
    """One follow-up a rule wants, with the key that makes creating it idempotent."""

    rule: str
    customer_id: int
    due: date
    kind: FollowUpKind
    reason: str
    key: str
    assignee: str


def existing_keys(session: Session, prefix: str) -> set[str]:
    """Keys already used (any status): a range scan on the unique external_id index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return {
        k
        for (k,) in fetch(
            session,
            select(col(FollowUp.external_id)).where(
                col(FollowUp.external_id) >= prefix, col(FollowUp.external_id) < upper
            ),
        )
    }
