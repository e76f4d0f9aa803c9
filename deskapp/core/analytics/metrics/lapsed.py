"""Lapsed: a buyer whose silence has passed several of their own purchase cycles, whether or not anyone
marked them churned.

Retention that waits for a person to mark customers lost counts the silent as kept (on the demo desk 46 of
140 buyers had not bought within three cycles, and retention said nobody left). The rule here is the one
the domain brief gives for irregular buyers: find each customer's usual interval (the business's typical
interval for one-time buyers, who have none of their own), and call them lapsed once the silence passes
`lapsed_cycles` of it. Lapsed is computed, not stored: it changes the moment they buy again, and every
screen that shows it says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from deskapp.core.analytics.metrics.common import BUYING_STAGES, fetch, raw
from deskapp.core.analytics.metrics.retention import lapse_of, purchase_rhythms, typical_interval
from deskapp.core.records import Customer, Settings, clock


@dataclass(frozen=True)
class LapsedCustomer:
    customer_id: int
    name: str
    owner: str
    stage: str
    last_purchase: date
    silence_days: int
    cycle_days: float  # their own usual interval, or the business's for a one-time buyer
    own_cycle: bool
    lapsed_on: date  # the day the silence passed the limit
    reason: str


def lapsed_customers(session: Session, settings: Settings, as_of: date | None = None) -> tuple[LapsedCustomer, ...]:
    """Buying customers (not archived, not churned) lapsed on `as_of`, longest silent first."""
    return _lapsed(session, settings, as_of, None)


def customer_lapse(
    session: Session, customer_id: int, settings: Settings, as_of: date | None = None
) -> LapsedCustomer | None:
    """One customer's lapse, for their page ("lapsed: ...; mark churned?"), or None."""
    found = _lapsed(session, settings, as_of, customer_id)
    return found[0] if found else None


def _lapsed(session: Session, settings: Settings, as_of: date | None, only: int | None) -> tuple[LapsedCustomer, ...]:
    as_of = as_of or clock.today()
    rhythms = purchase_rhythms(session, before=clock.as_moment(as_of + timedelta(days=1)))
    typical = typical_interval(rhythms)
    cycles = settings.lapsed_cycles
    query = (
        select(col(Customer.id), col(Customer.name), col(Customer.owner), raw(session, col(Customer.stage)))
        .where(col(Customer.archived).is_(False))
        .where(col(Customer.stage).in_(BUYING_STAGES))
    )
    if only is not None:
        query = query.where(col(Customer.id) == only)
    found = []
    for cid, name, owner, stage in fetch(session, query):
        rhythm = rhythms.get(cid)
        lapse = lapse_of(rhythm, typical, as_of, cycles) if rhythm else None
        if rhythm is None or lapse is None:
            continue
        cycle, own, lapsed_on = lapse
        silence = (as_of - rhythm.last_day).days
        times = f"{silence / cycle:.1f} times"
        if own:
            reason = f"no purchase for {silence} days: {times} their usual {cycle:.0f}-day interval"
        else:
            reason = f"one purchase, {silence} days ago: {times} the business's usual {cycle:.0f}-day interval"
        reason += f" (lapsed after {cycles:g})"
        found.append(
            LapsedCustomer(cid, name, owner, str(stage), rhythm.last_day, silence, cycle, own, lapsed_on, reason)
        )
    found.sort(key=lambda c: (-c.silence_days / c.cycle_days, c.customer_id))
    return tuple(found)
