"""Sweeps over the whole desk: the remembering that no single event triggers.

Three rules, each creating automatic follow-ups whose note says why:
- cadence: when a customer's last contact is older than their check-in cadence, a check-in falls due;
- special days: birthdays, the anniversary of becoming a customer (first purchase) and the customer's own
  special dates get a follow-up `special_day_lead_days` ahead;
- at risk: silence well past the customer's own usual purchase interval (or a BG/NBD probability of still
  being a customer under the threshold) flags them with the reason and a check-in. Nobody is moved to
  churned: the desk suggests, a person confirms.

Idempotent: every automatic follow-up carries a key (`external_id`, e.g. `auto:cadence:42:2026-09-01`)
naming the rule, the customer and the occasion, so running the sweep twice, or from two desks at once,
creates each reminder once; a cancelled one isn't recreated for the same occasion. Writes are bulk Core
inserts with one audit entry per follow-up, not one ORM object per row.
"""

from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from deskapp.core import clock
from deskapp.core.metrics.common import BUYING_STAGES, as_date, day_expr, fetch, raw, utc
from deskapp.core.metrics.retention import Rhythm, purchase_rhythms
from deskapp.core.models import (
    PENDING_FOLLOW_UP_STATUSES,
    AuditEntry,
    Customer,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Interaction,
    Purchase,
)
from deskapp.core.settings import Settings, load_settings

KEY_PREFIX = "auto:"
MIN_MODEL_CUSTOMERS = 200  # below this the BG/NBD fit says more about noise than about customers
MIN_MODEL_REPEAT_BUYERS = 20
SUGGESTION = "Call and ask how they are doing; if they have gone, mark them churned with the reason."


@dataclass(frozen=True)
class AutomaticAction:
    """One follow-up the sweep created, and why."""

    rule: str  # cadence, special_day, at_risk
    customer_id: int
    follow_up_id: int
    due_date: date
    reason: str


@dataclass(frozen=True)
class SweepResult:
    today: date
    actions: tuple[AutomaticAction, ...]
    notes: tuple[str, ...] = ()  # e.g. why the P(alive) rule was skipped

    def created(self, rule: str | None = None) -> int:
        return sum(1 for a in self.actions if rule is None or a.rule == rule)


@dataclass(frozen=True)
class _Plan:
    rule: str
    customer_id: int
    due: date
    kind: FollowUpKind
    reason: str
    key: str
    assignee: str


# --- cadence ----------------------------------------------------------------------------------------------


def plan_cadence_check_ins(session: Session, today: date, settings: Settings, *, ahead_days: int = 0) -> list[_Plan]:
    """A check-in for each active customer whose last contact (or, never contacted, their creation) is
    older than their cadence by `today + ahead_days`, unless a check-in is already pending."""
    last_contact = dict(
        fetch(
            session,
            select(Interaction.customer_id, func.max(raw(session, Interaction.occurred_at))).group_by(
                Interaction.customer_id
            ),
        )
    )
    pending = {
        cid
        for (cid,) in fetch(
            session,
            select(FollowUp.customer_id)
            .where(FollowUp.kind == FollowUpKind.CHECK_IN)
            .where(FollowUp.status.in_(PENDING_FOLLOW_UP_STATUSES))  # type: ignore[attr-defined]
            .distinct(),
        )
    }
    plans = []
    horizon = today + timedelta(days=ahead_days)
    for cid, stage, own, created, owner in fetch(
        session,
        select(
            Customer.id,
            raw(session, Customer.stage),
            Customer.cadence_days,
            raw(session, Customer.created_at),
            Customer.owner,
        ).where(Customer.archived.is_(False)),  # type: ignore[attr-defined]
    ):
        cadence = own or settings.cadence_for(str(stage))
        if not cadence or cid in pending:
            continue
        contact: datetime | None = utc(last_contact[cid]) if cid in last_contact else None
        since = clock.local_date(contact or utc(created))
        due = since + timedelta(days=cadence)
        if due > horizon:
            continue
        what = f"last contact {since.isoformat()}" if contact else f"no contact since added on {since.isoformat()}"
        reason = f"Regular check-in: {what}, {(today - since).days} days ago (cadence {cadence} days)"
        key = f"{KEY_PREFIX}cadence:{cid}:{since.isoformat()}"
        plans.append(_Plan("cadence", cid, max(due, today), FollowUpKind.CHECK_IN, reason, key, owner))
    return plans


# --- special days -----------------------------------------------------------------------------------------


def next_occurrence(day: date, today: date) -> date:
    """The next yearly recurrence of `day` on or after `today` (29 February falls on the 28th otherwise)."""
    for year in (today.year, today.year + 1):
        try:
            occurrence = day.replace(year=year)
        except ValueError:
            occurrence = date(year, 2, 28)
        if occurrence >= today:
            return occurrence
    raise AssertionError("unreachable: next year's occurrence is always after today")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "day"


def _month_days(today: date, days: int) -> list[str]:
    """ "MM-DD" of each day in the window (29 February joins 28 February in years without it)."""
    found = []
    for i in range(days + 1):
        day = today + timedelta(days=i)
        found.append(day.strftime("%m-%d"))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            found.append("02-29")
    return found


def _month_day(session: Session, expr: Any) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(expr, 6, 5)
    return func.to_char(expr, "MM-DD")


def plan_special_days(session: Session, today: date, settings: Settings, *, ahead_days: int = 0) -> list[_Plan]:
    """Follow-ups `special_day_lead_days` before birthdays, customer anniversaries and special dates.

    Only customers whose day falls in the window are read (month and day matched in SQL), so the daily
    sweep doesn't walk every customer for the few with a birthday this week."""
    lead = settings.special_day_lead_days
    window_end = today + timedelta(days=lead + ahead_days)
    month_days = _month_days(today, lead + ahead_days)
    first_day = day_expr(session, func.min(Purchase.ordered_at))
    anniversaries = (
        select(Purchase.customer_id, first_day)
        .group_by(Purchase.customer_id)
        .having(_month_day(session, first_day).in_(month_days))
    )
    first_purchase = {cid: as_date(day) for cid, day in fetch(session, anniversaries)}
    candidates = or_(
        _month_day(session, Customer.birthday).in_(month_days),
        Customer.special_dates != "",
        Customer.id.in_(anniversaries.with_only_columns(Purchase.customer_id)),  # type: ignore[union-attr]
    )
    plans = []
    for cid, name, birthday, special, owner in fetch(
        session,
        select(Customer.id, Customer.name, raw(session, Customer.birthday), Customer.special_dates, Customer.owner)
        .where(Customer.archived.is_(False))  # type: ignore[attr-defined]
        .where(candidates),
    ):
        days: list[tuple[str, date, str]] = []
        if birthday is not None:
            days.append(("birthday", as_date(birthday), "birthday"))
        if cid in first_purchase:
            days.append(("anniversary", first_purchase[cid], "anniversary of becoming a customer"))
        for item in json.loads(special) if special else []:
            label = str(item.get("label") or "special day")
            days.append((_slug(label), date.fromisoformat(item["date"]), label))
        for slug, day, label in days:
            occurrence = next_occurrence(day, today)
            if occurrence > window_end:
                continue
            years = occurrence.year - day.year
            if slug == "anniversary" and years < 1:
                continue
            nth = f" ({years} year{'s' if years > 1 else ''})" if slug == "anniversary" else ""
            reason = f"Special day: {name}'s {label}{nth} on {occurrence.isoformat()}"
            key = f"{KEY_PREFIX}special:{cid}:{slug}:{occurrence.isoformat()}"
            due = max(today, occurrence - timedelta(days=lead))
            plans.append(_Plan("special_day", cid, due, FollowUpKind.SPECIAL_DAY, reason, key, owner))
    return plans


# --- at risk ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtRiskCustomer:
    customer_id: int
    name: str
    owner: str
    stage: str
    last_purchase: date
    silence_days: int
    usual_interval_days: float | None  # their own mean gap between purchase days
    p_alive: float | None  # BG/NBD probability of still being a customer, when the model was fitted
    reason: str
    suggestion: str
    flagged: bool  # an at-risk check-in exists for this silence


def _p_alive(
    session: Session, today: date, min_customers: int
) -> tuple[dict[int, float], str | None, dict[int, Rhythm]]:
    """P(alive) per customer from a BG/NBD fit (or why it wasn't fitted), and the purchase rhythms read
    from the same log, so the interval rule needs no second pass over the purchases."""
    from deskapp.core.predict import ModelUnavailable, fit_bgnbd, purchase_log

    log = purchase_log(session, today)
    rhythms = {
        int(cid): Rhythm(date.fromordinal(int(first)), date.fromordinal(int(last)), int(x) + 1)
        for cid, first, last, x in zip(
            log.customer_ids.tolist(),
            log.first_day.tolist(),
            log.last_day.tolist(),
            log.frequency.tolist(),
            strict=True,
        )
    }
    repeat = int((log.frequency > 0).sum()) if len(log) else 0
    if len(log) < min_customers or repeat < MIN_MODEL_REPEAT_BUYERS:
        why = (
            f"P(alive) rule skipped: {len(log)} buyers, {repeat} repeat buyers "
            f"(needs {min_customers} and {MIN_MODEL_REPEAT_BUYERS})"
        )
        return {}, why, rhythms
    try:
        params = fit_bgnbd(log.frequency, log.recency, log.age)
    except ModelUnavailable as exc:
        return {}, f"P(alive) rule skipped: {exc}", rhythms
    alive = params.p_alive(log.frequency, log.recency, log.age)
    return dict(zip(log.customer_ids.tolist(), alive.tolist(), strict=True)), None, rhythms


def at_risk_customers(
    session: Session,
    today: date | None = None,
    settings: Settings | None = None,
    *,
    use_model: bool = True,
    min_model_customers: int = MIN_MODEL_CUSTOMERS,
) -> tuple[tuple[AtRiskCustomer, ...], tuple[str, ...]]:
    """Buying customers whose silence is well past their usual interval, or whose P(alive) is below the
    threshold; most overdue first. Returns the customers and notes on what was not evaluated."""
    today = today or clock.today()
    settings = settings or load_settings(session)
    factor, threshold = settings.at_risk_factor, settings.at_risk_alive_threshold
    notes: list[str] = []
    alive: dict[int, float] = {}
    if use_model:
        alive, why_not, rhythms = _p_alive(session, today, min_model_customers)
        if why_not:
            notes.append(why_not)
    else:
        rhythms = purchase_rhythms(session, before=clock.as_moment(today + timedelta(days=1)))
    flagged = _existing_keys(session, f"{KEY_PREFIX}at-risk:")
    found = []
    for cid, name, owner, stage in fetch(
        session,
        select(Customer.id, Customer.name, Customer.owner, raw(session, Customer.stage))
        .where(Customer.archived.is_(False))  # type: ignore[attr-defined]
        .where(Customer.stage.in_(BUYING_STAGES)),  # type: ignore[union-attr]
    ):
        rhythm = rhythms.get(cid)
        if rhythm is None:
            continue
        silence = (today - rhythm.last_day).days
        usual = rhythm.interval
        reasons = []
        if usual and silence > factor * usual:
            reasons.append(
                f"no purchase for {silence} days, {silence / usual:.1f}x their usual {usual:.0f}-day interval"
            )
        p = alive.get(cid)
        if p is not None and p < threshold:
            reasons.append(f"probability still a customer {p:.0%} (under {threshold:.0%})")
        if not reasons:
            continue
        found.append(
            AtRiskCustomer(
                customer_id=cid,
                name=name,
                owner=owner,
                stage=str(stage),
                last_purchase=rhythm.last_day,
                silence_days=silence,
                usual_interval_days=usual,
                p_alive=p,
                reason="; ".join(reasons),
                suggestion=SUGGESTION,
                flagged=_at_risk_key(cid, rhythm.last_day) in flagged,
            )
        )
    found.sort(key=lambda c: (-(c.silence_days / c.usual_interval_days if c.usual_interval_days else 0), c.customer_id))
    return tuple(found), tuple(notes)


def _at_risk_key(customer_id: int, last_purchase: date) -> str:
    return f"{KEY_PREFIX}at-risk:{customer_id}:{last_purchase.isoformat()}"


def plan_at_risk(
    session: Session, today: date, settings: Settings, *, use_model: bool, min_model_customers: int
) -> tuple[list[_Plan], tuple[str, ...]]:
    customers, notes = at_risk_customers(
        session, today, settings, use_model=use_model, min_model_customers=min_model_customers
    )
    owners = dict(
        session.execute(
            select(Customer.id, Customer.owner).where(Customer.id.in_([c.customer_id for c in customers]))
        ).all()
    )  # type: ignore[union-attr]
    plans = [
        _Plan(
            "at_risk",
            c.customer_id,
            today,
            FollowUpKind.CHECK_IN,
            f"At risk: {c.reason}. {c.suggestion}",
            _at_risk_key(c.customer_id, c.last_purchase),
            owners.get(c.customer_id, ""),
        )
        for c in customers
        if not c.flagged
    ]
    return plans, notes


# --- the sweep ---------------------------------------------------------------------------------------------


def _existing_keys(session: Session, prefix: str) -> set[str]:
    """Keys already used (any status): a range scan on the unique external_id index."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return {
        k
        for (k,) in fetch(
            session,
            select(FollowUp.external_id).where(FollowUp.external_id >= prefix, FollowUp.external_id < upper),  # type: ignore[operator]
        )
    }


def _write(session: Session, plans: list[_Plan]) -> list[AutomaticAction]:
    """Insert the planned follow-ups in bulk, skipping keys already used, with one audit entry each."""
    used = _existing_keys(session, KEY_PREFIX)
    fresh: dict[str, _Plan] = {}
    for plan in plans:
        if plan.key not in used and plan.key not in fresh:
            fresh[plan.key] = plan
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
    table: Any = FollowUp.__table__
    conn = session.connection()
    before = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    conn.execute(insert(table), rows)  # plain executemany: RETURNING made SQLite insert row by row (10x slower)
    new_ids = dict(fetch(session, select(table.c.external_id, table.c.id).where(table.c.id > before)))
    ids = [new_ids[key] for key in fresh]
    staff = str(session.info.get("staff") or "")
    conn.execute(
        insert(AuditEntry.__table__),  # type: ignore[arg-type]
        [
            {
                "at": now,
                "staff": staff,
                "action": "automatic",
                "entity": "follow_up",
                "entity_id": fid,
                "changes": json.dumps(
                    {"customer_id": p.customer_id, "due_date": p.due.isoformat(), "reason": p.reason, "rule": p.rule},
                    ensure_ascii=False,
                ),
            }
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
) -> SweepResult:
    """Apply every sweep rule once for `today` (check-ins falling due within `ahead_days` are created now
    with their own due date). Safe to run as often as you like; call it in a write session."""
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
    plans = risk_plans + cadence + plan_special_days(session, today, settings, ahead_days=ahead_days)
    actions = _write(session, plans)
    session.flush()
    return SweepResult(today, tuple(actions), notes)


def open_at_risk_flags(session: Session) -> dict[int, str]:
    """Customers with a pending at-risk check-in, and its reason (for the Today screen's at-risk list)."""
    upper = f"{KEY_PREFIX}at-risk;"
    return dict(
        session.execute(
            select(FollowUp.customer_id, FollowUp.note)
            .where(FollowUp.external_id >= f"{KEY_PREFIX}at-risk:", FollowUp.external_id < upper)  # type: ignore[operator]
            .where(FollowUp.status.in_(PENDING_FOLLOW_UP_STATUSES))  # type: ignore[attr-defined]
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
