"""The lifecycle rules for imported purchases and interactions, applied to a whole batch at once.

`lifecycle.after_purchase` and `after_interaction` decide per event; calling them per row would cost a
query and an ORM flush each (the import would crawl). Here the same decisions are replayed in file order
over the batch, from one query for each customer's stage and earliest earlier purchase:

- a purchase with no other purchase at or before it moves an awareness/consideration customer to
  purchase; any later one moves a pre-purchase, purchase or churned customer to retention;
- a feedback score of 9-10 moves a purchase or retention customer to advocacy;
- only events inside the settings' history window (`history_window_days`) create the thank-you and
  onboarding follow-ups, so loading two years of orders doesn't bury today under old reminders.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Table

from deskapp.core import clock, lifecycle
from deskapp.core.importing.context import WriteContext
from deskapp.core.importing.store import parse_moment
from deskapp.core.importing.write_customers import CUSTOMER, STAGE_CHANGE, STAGE_COLUMNS
from deskapp.core.models import FollowUp, FollowUpKind, FollowUpStatus, Purchase, Stage

PURCHASE: Table = Purchase.__table__  # type: ignore[assignment]
FOLLOW_UP: Table = FollowUp.__table__  # type: ignore[assignment]
REPEAT_FROM = (*lifecycle.PRE_PURCHASE, Stage.PURCHASE, Stage.CHURNED)
ADVOCACY_FROM = (Stage.PURCHASE, Stage.RETENTION)
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

# The batch's customers as read before its rows were inserted: id -> [stage, owner, version, earliest purchase]
State = dict[int, list[Any]]


def before_insert(ctx: WriteContext, kind: str, rows: list[dict[str, Any]], state: State) -> None:
    """Complete `state` (filled while the customers were looked up) with what the rules need, before the
    batch's own rows are in the tables: stages as enums and, for purchases, each customer's first order."""
    for entry in state.values():
        entry[0] = Stage(entry[0])
    if kind == "purchases":
        ids = {row["customer_id"] for row in rows}
        for cid, first in ctx.store.fetch(
            "SELECT customer_id, min(ordered_at) FROM purchase WHERE customer_id IN ({keys}) GROUP BY customer_id", ids
        ):
            state[cid][3] = parse_moment(first)


def after_insert(ctx: WriteContext, kind: str, inserted: list[tuple[int, dict[str, Any]]], state: State) -> None:
    changes: list[tuple[Any, ...]] = []
    follow_ups: list[tuple[Any, ...]] = []
    moves: dict[int, int] = {}

    def move(cid: int, to: Stage, at: Any, reason: str) -> None:
        changes.append((cid, state[cid][0], to, at, reason, None, ctx.staff, True))
        state[cid][0] = to
        moves[cid] = moves.get(cid, 0) + 1

    for row_id, row in inserted:
        cid = row["customer_id"]
        stage, owner, _, earliest = state[cid]
        if kind == "interactions":
            score = row.get("score")
            if score is not None and score >= 9 and stage in ADVOCACY_FROM:
                move(cid, Stage.ADVOCACY, row["occurred_at"], f"feedback score {score}")
            continue
        at = row["ordered_at"]
        first = earliest is None or earliest > at
        if first and stage in lifecycle.PRE_PURCHASE:
            move(cid, Stage.PURCHASE, at, "first purchase")
        elif not first and stage in REPEAT_FROM:
            move(cid, Stage.RETENTION, at, "repeat purchase")
        state[cid][3] = at if earliest is None else min(earliest, at)
        if lifecycle.creates_follow_ups(at, ctx.settings, ctx.now):
            follow_ups.extend(_purchase_follow_ups(ctx, cid, owner, row_id, row, first))
    ctx.note_inserted("stage_change", ctx.store.insert_ids(STAGE_CHANGE, STAGE_COLUMNS, changes))
    ctx.counts.stage_changes += len(changes)
    ctx.store.update_rows(
        CUSTOMER,
        [
            (cid, {"stage": state[cid][0], "version": state[cid][2] + n, "updated_at": ctx.now})
            for cid, n in moves.items()
        ],
    )
    ctx.note_inserted("follow_up", ctx.store.insert_ids(FOLLOW_UP, FOLLOW_UP_COLUMNS, follow_ups))
    ctx.counts.follow_ups_created += len(follow_ups)


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
