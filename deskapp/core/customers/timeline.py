"""One customer's timeline: everything that happened with them, newest first, merged across record kinds."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.customers.lookup import get_customer
from deskapp.core.records import (
    Complaint,
    FollowUp,
    Interaction,
    Page,
    Purchase,
    StageChange,
    TimelineEntry,
)


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
        .where(col(Interaction.customer_id) == customer_id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.id).desc())
        .limit(want)
    ).scalars():
        score = f" · score {i.score}" if i.score is not None else ""
        arrow = "←" if i.direction == "in" else "→"
        title = f"{i.channel} {arrow} {i.summary}".rstrip()
        entries.append(TimelineEntry(i.occurred_at, "interaction", i.id, title + score, i.details, i.staff))
    for c in session.execute(
        select(Complaint)
        .where(col(Complaint.customer_id) == customer_id)
        .order_by(col(Complaint.opened_at).desc())
        .limit(want)
    ).scalars():
        title = f"complaint [{c.priority}/{c.status}] {c.subject}"
        detail = c.resolution if c.resolution else c.details
        entries.append(TimelineEntry(c.opened_at, "complaint", c.id, title, detail, c.owner))
    for p in session.execute(
        select(Purchase)
        .where(col(Purchase.customer_id) == customer_id)
        .order_by(col(Purchase.ordered_at).desc())
        .limit(want)
    ).scalars():
        entries.append(
            TimelineEntry(p.ordered_at, "purchase", p.id, f"purchase {p.amount} {p.currency} {p.description}".rstrip())
        )
    for f in session.execute(
        select(FollowUp)
        .where(col(FollowUp.customer_id) == customer_id)
        .order_by(col(FollowUp.due_date).desc())
        .limit(want)
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
        select(StageChange)
        .where(col(StageChange.customer_id) == customer_id)
        .order_by(col(StageChange.at).desc())
        .limit(want)
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
