"""The CDNOW sample as test data: the published figures, a plain-Python summary, and a desk built from it
through the importer (`deskapp import purchases FILE --create-missing`), as a business would load its log.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

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


def write_purchase_csv(path: Path) -> Path:
    """The sample as a purchase export the importer reads: one order per line of the file (the line number
    is the order id, so two identical orders on one day stay two orders), customers by external id."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["order id", "customer external id", "order date", "amount", "currency", "description"])
        for line, (cid, day, cds, dollars) in enumerate(read_rows(), start=1):
            writer.writerow([f"cdnow-{line:05d}", f"cdnow:{cid:04d}", day.isoformat(), dollars, "USD", f"{cds} CDs"])
    return path


def build_desk(engine: Engine, workdir: Path) -> None:
    """Import the sample into a migrated desk through the importer, creating the customers it names."""
    from deskapp.core.io.importing import ImportOptions, import_file

    summary = import_file(
        engine, "purchases", write_purchase_csv(workdir / "cdnow_purchases.csv"), ImportOptions(create_missing=True)
    )
    assert summary.committed and summary.counts.inserted == 6919, summary.errors[:3]
