"""The CDNOW sample as test data: the published figures, a plain-Python summary, and a desk built from it.

The desk is built with SQLAlchemy Core bulk inserts (one customer per CDNOW id, one purchase per row at
local midnight of its day), the way an importer writes a purchase log.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from deskapp.core.models import Customer, Purchase, Stage

CDNOW_FILE = Path(__file__).with_name("CDNOW_sample.txt")
CALIBRATION_END = date(1997, 9, 30)
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def read_rows() -> list[tuple[int, date, int, Decimal]]:
    """(customer 1-2357, day, CDs, dollars) per line of the file."""
    rows = []
    for line in CDNOW_FILE.read_text().splitlines():
        _original, cid, day, cds, dollars = line.split()
        rows.append((int(cid), datetime.strptime(day, "%Y%m%d").date(), int(cds), Decimal(dollars)))
    return rows


def summary(end: date = CALIBRATION_END) -> dict[int, tuple[int, float, float, float]]:
    """Per customer (x, t_x, T, m) in weeks, computed directly from the file (independent of the desk)."""
    days: dict[int, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for cid, day, _cds, dollars in read_rows():
        if day <= end:
            days[cid][day] += dollars
    out = {}
    for cid, spend in days.items():
        ordered = sorted(spend)
        x = len(ordered) - 1
        m = float(sum(spend[d] for d in ordered[1:]) / x) if x else 0.0
        out[cid] = (x, (ordered[-1] - ordered[0]).days / 7, (end - ordered[0]).days / 7, m)
    return out


def build_desk(engine: Engine) -> None:
    """Customers and purchases of the sample in a migrated desk (Core executemany, one transaction)."""
    rows = read_rows()
    now = datetime(2026, 11, 23, 9, 30).astimezone()
    customers = sorted({cid for cid, *_ in rows})
    with engine.begin() as conn:
        conn.execute(
            insert(Customer.__table__),  # type: ignore[arg-type]
            [
                {
                    "id": cid,
                    "name": f"CDNOW {cid:04d}",
                    "external_id": f"cdnow:{cid:04d}",
                    "stage": Stage.PURCHASE,
                    "created_at": now,
                    "updated_at": now,
                }
                for cid in customers
            ],
        )
        conn.execute(
            insert(Purchase.__table__),  # type: ignore[arg-type]
            [
                {
                    "customer_id": cid,
                    "ordered_at": datetime.combine(day, time()).astimezone(),
                    "amount": dollars,
                    "currency": "USD",
                    "description": f"{cds} CDs",
                    "created_at": now,
                }
                for cid, day, cds, dollars in rows
            ],
        )
