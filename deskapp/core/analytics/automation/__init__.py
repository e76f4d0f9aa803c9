"""Sweeps over the whole desk: the remembering that no single event triggers.

Four rules, each creating automatic follow-ups whose note says why:
- cadence: when a customer's last contact is older than their check-in cadence, a check-in falls due;
- special days: birthdays, the anniversary of becoming a customer (first purchase) and the customer's own
  special dates get a follow-up `special_day_lead_days` ahead;
- at risk: silence well past the customer's own usual purchase interval (or a BG/NBD probability of still
  being a customer under the threshold) flags them with the reason and a check-in. Nobody is moved to
  churned: the desk suggests, a person confirms;
- win-back: a churned or lapsed customer gets one personal win-back attempt, with the reason they left.

The guard (`guard.py`) then keeps it humane: one automatic reminder per customer per day, no outreach to
the over-contacted, and at most `sweep_daily_cap` new reminders a day. The desk runs the sweep in a worker
when it opens and every few minutes; `deskapp sweep` runs it from cron (`--dry-run` says what it would do).

Idempotent: every automatic follow-up carries a key (`external_id`, e.g. `auto:cadence:42:2026-09-01`)
naming the rule, the customer and the occasion, so running the sweep twice, or from two desks at once,
creates each reminder once; a cancelled one isn't recreated for the same occasion. Writes are bulk Core
inserts with one audit entry per follow-up, not one ORM object per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.automation.guard import guard
from deskapp.core.analytics.automation.plans import KEY_PREFIX, MIN_MODEL_CUSTOMERS, Plan, existing_keys
from deskapp.core.analytics.automation.risk import AtRiskCustomer, at_risk_customers, plan_at_risk
from deskapp.core.analytics.automation.rules import next_occurrence, plan_cadence_check_ins, plan_special_days
from deskapp.core.analytics.automation.winback import plan_win_backs
from deskapp.core.analytics.metrics.common import fetch
from deskapp.core.db import audit, staff_of
from deskapp.core.records import (
    PENDING_FOLLOW_UP_STATUSES,
    AuditEntry,
    FollowUp,
    FollowUpStatus,
    Settings,
    clock,
    load_settings,
    table_of,
)


@dataclass(frozen=True)
class AutomaticAction:
    """One follow-up the sweep created, and why."""

    rule: str  # cadence, special_day, at_risk, win_back
    customer_id: int
    follow_up_id: int | None  # None on a dry run
    due_date: date
    reason: str


@dataclass(frozen=True)
class SweepResult:
    today: date
    actions: tuple[AutomaticAction, ...]
    notes: tuple[str, ...] = ()  # e.g. why the P(alive) rule was skipped, what the guard held back
    dry_run: bool = False
    held_back: int = 0  # by the daily cap: planned again on the next days

    def created(self, rule: str | None = None) -> int:
        return sum(1 for a in self.actions if rule is None or a.rule == rule)


def _fresh(session: Session, plans: list[Plan]) -> list[Plan]:
    """The plans whose keys were never used (any status), each key once."""
    used = existing_keys(session, KEY_PREFIX)
    fresh: dict[str, Plan] = {}
    for plan in plans:
        if plan.key not in used and plan.key not in fresh:
            fresh[plan.key] = plan
    return list(fresh.values())


def _write(session: Session, plans: list[Plan]) -> list[AutomaticAction]:
    """Insert the planned follow-ups in bulk, with one audit entry each."""
    fresh = {plan.key: plan for plan in plans}
    if not fresh:
        return []
    now = clock.now()
    rows = [
        {
            "customer_id": p.customer_id,
            "due_date": p.due,
            "kind": p.kind,
            "note": p.reason,
            "status": FollowUpStatus.OPEN,
            "assignee": p.assignee,
            "automatic": True,
            "external_id": p.key,
            "created_at": now,
            "version": 1,
        }
        for p in fresh.values()
    ]
    table = table_of(FollowUp)
    conn = session.connection()
    before = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    conn.execute(insert(table), rows)  # plain executemany: RETURNING made SQLite insert row by row (10x slower)
    new_ids = dict(fetch(session, select(table.c.external_id, table.c.id).where(table.c.id > before)))
    ids = [new_ids[key] for key in fresh]
    staff = staff_of(session)
    conn.execute(
        insert(table_of(AuditEntry)),
        [
            audit.entry_row(
                at=now,
                staff=staff,
                action="automatic",
                entity="follow_up",
                entity_id=fid,
                payload=audit.Summary(
                    {"customer_id": p.customer_id, "due_date": p.due.isoformat(), "reason": p.reason, "rule": p.rule}
                ),
            )
            for fid, p in zip(ids, fresh.values(), strict=True)
        ],
    )
    return [
        AutomaticAction(p.rule, p.customer_id, fid, p.due, p.reason) for fid, p in zip(ids, fresh.values(), strict=True)
    ]


def run_sweep(
    session: Session,
    today: date | None = None,
    settings: Settings | None = None,
    *,
    ahead_days: int = 0,
    use_model: bool = True,
    min_model_customers: int = MIN_MODEL_CUSTOMERS,
    dry_run: bool = False,
) -> SweepResult:
    """Apply every sweep rule once for `today` (check-ins falling due within `ahead_days` are created now
    with their own due date). Safe to run as often as you like; call it in a write session (a dry run
    writes nothing and may use a read session)."""
    today = today or clock.today()
    settings = settings or load_settings(session)
    risk_plans, notes = plan_at_risk(
        session, today, settings, use_model=use_model, min_model_customers=min_model_customers
    )
    at_risk_ids = {p.customer_id for p in risk_plans}
    cadence = [
        p
        for p in plan_cadence_check_ins(session, today, settings, ahead_days=ahead_days)
        if p.customer_id not in at_risk_ids
    ]
    plans = (
        risk_plans
        + cadence
        + plan_special_days(session, today, settings, ahead_days=ahead_days)
        + plan_win_backs(session, today, settings, ahead_days=ahead_days)
    )
    guarded = guard(session, _fresh(session, plans), today, settings)
    said = list(notes)
    if guarded.capped:
        said.append(
            f"{guarded.capped} more held back by the daily cap of {settings.sweep_daily_cap} "
            "(setting sweep_daily_cap): they follow on the next days"
        )
    if guarded.over_contacted:
        said.append(f"{guarded.over_contacted} left out: contacted {settings.over_contact_limit}+ times lately")
    if guarded.no_consent:
        said.append(f"{guarded.no_consent} special-day or win-back offers left out: marketing consent withdrawn")
    if guarded.moved:
        said.append(f"{guarded.moved} moved to another day: one automatic reminder per customer per day")
    if dry_run:
        actions = [AutomaticAction(p.rule, p.customer_id, None, p.due, p.reason) for p in guarded.plans]
    else:
        actions = _write(session, guarded.plans)
        session.flush()
    return SweepResult(today, tuple(actions), tuple(said), dry_run, guarded.capped)


def open_at_risk_flags(session: Session) -> dict[int, str]:
    """Customers with a pending at-risk check-in, and its reason (for the Today screen's at-risk list)."""
    upper = f"{KEY_PREFIX}at-risk;"
    return dict(
        session.execute(
            select(col(FollowUp.customer_id), col(FollowUp.note))
            .where(col(FollowUp.external_id) >= f"{KEY_PREFIX}at-risk:", col(FollowUp.external_id) < upper)
            .where(col(FollowUp.status).in_(PENDING_FOLLOW_UP_STATUSES))
        ).all()
    )


__all__ = [
    "AtRiskCustomer",
    "AutomaticAction",
    "SweepResult",
    "at_risk_customers",
    "next_occurrence",
    "open_at_risk_flags",
    "run_sweep",
]
