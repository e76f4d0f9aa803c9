"""The lifecycle rules for imported purchases and interactions, applied to a whole batch at once.

`lifecycle.after_purchase` and `after_interaction` decide per event; calling them per row would cost a
query and an ORM flush each (the import would crawl). Here the same decisions are replayed in file order
over the batch, from each customer's stage and earliest order as kept in the import's `StageBook`:

- a purchase with no other purchase at or before it moves an awareness/consideration customer to
  purchase; any later one moves a pre-purchase, purchase or churned customer to retention;
- a feedback score of 9-10 moves a purchase or retention customer to advocacy;
- a feedback score asks for the follow-up `activity.feedback_follow_up` names (a call for 0-6, a referral
  ask for 9-10), as when it is logged at the desk;
- only events inside the settings' history window (`history_window_days`) create the thank-you,
  onboarding and feedback follow-ups, so loading two years of orders doesn't bury today under old reminders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Table

from deskapp.core.activity import feedback_follow_up
from deskapp.core.customers import lifecycle
from deskapp.core.io.importing.context import WriteContext
from deskapp.core.io.importing.stages import StageBook
from deskapp.core.records import FollowUp, FollowUpKind, FollowUpStatus, Purchase, Stage, clock, table_of

PURCHASE: Table = table_of(Purchase)
FOLLOW_UP: Table = table_of(FollowUp)
FOLLOW_UP_COLUMNS = (
    "customer_id",
    "due_date",
    "due_time",
    "kind",
    "note",
    "status",
    "completed_at",
    "assignee",
    "complaint_id",
    "purchase_id",
    "automatic",
    "external_id",
    "created_at",
    "version",
)


Feedback = tuple[int, dict[str, Any], tuple[int, FollowUpKind, str]]  # customer, row, (days after, kind, note)


def book_for(ctx: WriteContext, kind: str) -> StageBook:
    if ctx.stages is None:
        ctx.stages = StageBook(ctx.store, purchases=kind == "purchases")
        ctx.stages.import_batch = ctx.import_batch
    book: StageBook = ctx.stages
    return book


def before_insert(ctx: WriteContext, kind: str, rows: list[dict[str, Any]]) -> None:
    """Read what the rules need about the batch's customers, before the batch's own rows are in the tables."""
    book_for(ctx, kind).ensure({row["customer_id"] for row in rows}, ctx.counts.rows)


def after_insert(ctx: WriteContext, kind: str, inserted: list[tuple[int, dict[str, Any]]]) -> None:
    """Replay `lifecycle.after_purchase` / `after_interaction` over the batch, in file order."""
    book = book_for(ctx, kind)
    staff, moved = ctx.staff, 0
    wants_follow_ups: list[tuple[int, int, dict[str, Any], bool]] = []
    feedback: list[Feedback] = []
    for row_id, row in inserted:
        cid = row["customer_id"]
        stage = book.get(cid)
        if kind == "interactions":
            score = row.get("score")
            if score is not None and score >= 9 and stage in lifecycle.ADVOCACY_BY_SCORE_FROM:
                book.move(cid, Stage.ADVOCACY, row["occurred_at"], f"feedback score {score}", staff)
                moved += 1
            if score is not None and lifecycle.creates_follow_ups(row["occurred_at"], ctx.settings, ctx.now):
                plan = feedback_follow_up(score, row.get("summary") or "", ctx.settings)
                if plan is not None:
                    feedback.append((cid, row, plan))
            continue
        at = row["ordered_at"]
        earliest = book.earliest(cid)
        first = earliest is None or earliest > at.timestamp()
        if first and stage in lifecycle.PRE_PURCHASE:
            book.move(cid, Stage.PURCHASE, at, "first purchase", staff)
            moved += 1
        elif not first and stage in lifecycle.REPEAT_PURCHASE_FROM:
            book.move(cid, Stage.RETENTION, at, "repeat purchase", staff)
            moved += 1
        book.note_order(cid, at)
        if lifecycle.creates_follow_ups(at, ctx.settings, ctx.now):
            wants_follow_ups.append((cid, row_id, row, first))
    ctx.note_inserted("stage_change", book.end_batch(ctx.now))
    ctx.counts.stage_changes += moved
    if feedback:
        _feedback_follow_ups(ctx, feedback)
    if wants_follow_ups:
        owners = dict(
            ctx.store.fetch("SELECT id, owner FROM customer WHERE id IN {keys}", {w[0] for w in wants_follow_ups})
        )
        follow_ups = [
            item
            for cid, row_id, row, first in wants_follow_ups
            for item in _purchase_follow_ups(ctx, cid, owners.get(cid, ""), row_id, row, first)
        ]
        ctx.note_inserted("follow_up", ctx.store.insert_ids(FOLLOW_UP, FOLLOW_UP_COLUMNS, follow_ups))
        ctx.counts.follow_ups_created += len(follow_ups)


def _feedback_follow_ups(
    ctx: WriteContext, wanted: list[tuple[int, dict[str, Any], tuple[int, FollowUpKind, str]]]
) -> None:
    owners = dict(ctx.store.fetch("SELECT id, owner FROM customer WHERE id IN {keys}", {w[0] for w in wanted}))
    rows = [
        (
            cid,
            clock.local_date(row["occurred_at"]) + timedelta(days=offset),
            None,
            kind,
            note,
            FollowUpStatus.OPEN,
            None,
            owners.get(cid, ""),
            None,
            None,
            True,
            None,
            ctx.now,
            1,
        )
        for cid, row, (offset, kind, note) in wanted
    ]
    ctx.note_inserted("follow_up", ctx.store.insert_ids(FOLLOW_UP, FOLLOW_UP_COLUMNS, rows))
    ctx.counts.follow_ups_created += len(rows)


def _purchase_follow_ups(
    ctx: WriteContext, cid: int, owner: str, purchase_id: int, row: dict[str, Any], first: bool
) -> list[tuple[Any, ...]]:
    """The thank-you (and, after a first order, the onboarding check-ins) `after_purchase` would add."""
    day = clock.local_date(row["ordered_at"])
    settings, now = ctx.settings, ctx.now
    text = row.get("description") or ""

    def item(offset: int, kind: FollowUpKind, note: str) -> tuple[Any, ...]:
        due = day + timedelta(days=offset)
        return (cid, due, None, kind, note, FollowUpStatus.OPEN, None, owner, None, purchase_id, True, None, now, 1)

    out = [
        item(
            settings.thank_you_after_days,
            FollowUpKind.THANK_YOU,
            f"Thank them for their order{': ' + text if text else ''}",
        )
    ]
    if first:
        for offset in settings.onboarding_days:
            note = f"Onboarding check-in, day {offset} after the first order: how is it going?"
            out.append(item(offset, FollowUpKind.ONBOARDING, note))
    return out
