"""Properties: an export imports back to the same records; a malformed row is reported, never half-written."""

from __future__ import annotations

import io
import itertools
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import col

from deskapp.core.activity import service as activity
from deskapp.core.customers.service import create_customer
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.io.exporting import export_records
from deskapp.core.io.importing import ImportOptions, import_file
from tests.core.ids import id_of
from tests.core.importing.conftest import table_snapshot

_counter = itertools.count()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, empty desk; each example works on a copy (migrating per example would be slow)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    open_engine(path).dispose()
    return path


@pytest.fixture(scope="module")
def desks(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("desks")
    engines: list[Engine] = []

    def fresh() -> Engine:
        path = folder / f"desk{next(_counter)}.db"
        shutil.copy(template, path)
        engine = open_engine(path)
        engines.append(engine)
        return engine

    yield fresh
    for engine in engines:
        engine.dispose()


# Text that stresses every format: separators, quotes, formula starters, accents, newlines.
TEXT = st.text(alphabet="aÖé ,;\"'=+-@\t|\n\\:", min_size=0, max_size=12).map(str.strip)
NAME = st.text(alphabet="AbÖé ,;\"'=+-@|", min_size=1, max_size=12).map(str.strip).filter(bool)
PHONES = ["+46701234567", "+36 70 400 9372", "07911 123456", "+358 40 1234567", "+27 82 123 4567"]
CUSTOMER = st.fixed_dictionaries(
    {
        "name": NAME,
        "company": TEXT,
        "phone": st.sampled_from(["", *PHONES]),
        "tags": st.lists(st.sampled_from(["vip", "b2b", "news-letter", "ébike"]), max_size=3),
        "source": st.sampled_from(["", "google", "walk-in"]),
        "owner": st.sampled_from(["", "anna", "bence"]),
        "stage": st.sampled_from(["awareness", "consideration"]),
        "cadence_days": st.sampled_from([None, 14, 60]),
        "birthday": st.sampled_from([None, "1980-01-15", "2000-02-29"]),
        "notes": TEXT,
        "has_email": st.booleans(),
        "has_external_id": st.booleans(),
    }
)


def _build(engine: Engine, people: list[dict[str, Any]], purchases: list[tuple[int, str]]) -> None:
    old = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    with session_scope(engine, staff="tester", write=True) as session:
        ids = []
        for i, person in enumerate(people):
            fields = {k: v for k, v in person.items() if not k.startswith("has_")}
            fields["email"] = f"p{i}@example.com" if person["has_email"] else ""
            fields["external_id"] = f"X{i}" if person["has_external_id"] else None
            ids.append(id_of(create_customer(session, **fields)))
        for n, (who, amount) in enumerate(purchases):
            customer = ids[who % len(ids)]
            external = f"O{n}" if n % 2 else None
            activity.record_purchase(
                session, customer, amount=amount, ordered_at=old + timedelta(days=n), external_id=external
            )
            activity.log_interaction(
                session, customer, channel="call", summary=f"call {n}", occurred_at=old + timedelta(days=n, hours=1)
            )
            activity.open_complaint(session, customer, subject=f"case {n}", opened_at=old + timedelta(days=n))
            activity.schedule_follow_up(session, customer, due=date(2027, 1, 1) + timedelta(days=n), note=f"n{n}")


def _export(engine: Engine, kind: str, fmt: str) -> str:
    out = io.StringIO()
    with session_scope(engine) as session:
        export_records(session, kind, out, fmt)
    return out.getvalue()


def _records(engine: Engine, kind: str) -> list[dict[str, Any]]:
    import json

    skip = {"id", "customer_id", "created_at", "updated_at", "version", "complaint_id", "purchase_id"}
    rows = [json.loads(line) for line in _export(engine, kind, "jsonl").splitlines()]
    return sorted(({k: v for k, v in r.items() if k not in skip} for r in rows), key=repr)


KINDS = ("customers", "purchases", "interactions", "complaints", "followups")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(CUSTOMER, min_size=1, max_size=6),
    purchases=st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["10.00", "1234.50", "-5.25", "0.99"])), max_size=5
    ),
    fmt=st.sampled_from(["csv", "json", "jsonl"]),
    customer_fmt=st.sampled_from(["csv", "json", "jsonl", "vcf"]),
)
def test_export_then_import_is_the_identity(
    desks: Any, people: list[dict[str, Any]], purchases: list[tuple[int, str]], fmt: str, customer_fmt: str
) -> None:
    original, copy = desks(), desks()
    _build(original, people, purchases)
    for kind in KINDS:
        text = _export(original, kind, customer_fmt if kind == "customers" else fmt)
        if not text:
            continue  # an empty JSON Lines file: nothing to import (and an empty file is refused)
        summary = import_file(copy, kind, io.BytesIO(text.encode()), ImportOptions(), staff="tester")
        assert summary.committed and not summary.errors, (kind, [e.as_dict() for e in summary.errors])
    for kind in KINDS:
        assert _records(copy, kind) == _records(original, kind), kind
    # and into the desk it came from, an export changes nothing
    before = table_snapshot(original)
    for kind in KINDS:
        text = _export(original, kind, fmt)
        if not text:
            continue
        summary = import_file(original, kind, io.BytesIO(text.encode()), ImportOptions(), staff="tester")
        assert (summary.counts.inserted, summary.counts.updated) == (0, 0), kind
    after = table_snapshot(original)
    for grows in ("audit_entry", "import_batch"):  # each import is recorded and listed, even one that changed nothing
        after.pop(grows), before.pop(grows)
    assert after == before


BREAKERS = {
    "email": ("email", "not an email"),
    "phone": ("phone", "12"),
    "stage": ("stage", "sideways"),
    "birthday": ("birthday", "31.02.1990"),
    "cadence": ("cadence_days", "-3"),
    "name": ("name", ""),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.one_of(st.none(), st.sampled_from(sorted(BREAKERS))), min_size=1, max_size=25),
    skip_invalid=st.booleans(),
)
def test_malformed_rows_are_reported_and_never_half_written(
    desks: Any, rows: list[str | None], skip_invalid: bool
) -> None:
    engine = desks()
    columns = ["external_id", "name", "email", "phone", "stage", "birthday", "cadence_days"]
    lines = [",".join(columns)]
    for i, broken in enumerate(rows):
        row = {"external_id": f"R{i}", "name": f"Person {i}", "email": f"r{i}@example.com", "phone": "+46701234567"}
        row |= {"stage": "retention", "birthday": "1990-02-01", "cadence_days": "30"}
        if broken:
            field, value = BREAKERS[broken]
            row[field] = value
        lines.append(",".join(row[c] for c in columns))
    before = table_snapshot(engine)
    summary = import_file(
        engine, "customers", io.BytesIO("\n".join(lines).encode()), ImportOptions(skip_invalid=skip_invalid)
    )
    bad_lines = {i + 2 for i, broken in enumerate(rows) if broken}
    assert {e.line for e in summary.errors} == bad_lines
    assert summary.counts.rejected == len(bad_lines)
    if bad_lines and not skip_invalid:
        assert table_snapshot(engine) == before
    else:
        assert summary.committed and summary.counts.inserted == len(rows) - len(bad_lines)


EVENT = st.tuples(
    st.integers(0, 2),  # which customer
    st.sampled_from(["purchase", "interaction"]),
    st.integers(-500, 0),  # days from now
    st.sampled_from([None, 3, 9, 10]),  # feedback score of an interaction
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    stages=st.lists(
        st.sampled_from(["awareness", "consideration", "purchase", "retention", "churned"]), min_size=3, max_size=3
    ),
    events=st.lists(EVENT, min_size=1, max_size=12),
    batch_size=st.sampled_from([1, 2, 5000]),
)
def test_imported_events_follow_the_same_rules_as_the_services(
    desks: Any, stages: list[str], events: list[tuple[int, str, int, int | None]], batch_size: int
) -> None:
    """Events imported in one file end where the core's services, called row by row, end."""
    from sqlalchemy import select

    from deskapp.core.records import clock
    from deskapp.core.records.tables import Customer, FollowUp, StageChange

    now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    by_service, by_import = desks(), desks()
    saved = clock.now
    clock.now = lambda: now
    try:
        for engine in (by_service, by_import):
            with session_scope(engine, staff="tester", write=True) as session:
                for i, stage in enumerate(stages):
                    fields: dict[str, Any] = {"churn_reason": "other"} if stage == "churned" else {}
                    create_customer(session, name=f"C{i}", external_id=f"C{i}")
                    if stage != "awareness":
                        from deskapp.core.customers.lifecycle import change_stage

                        change_stage(session, i + 1, stage, reason="setup", **fields)
        purchases, interactions = (
            ["customer_external_id,ordered_at,amount"],
            ["customer_external_id,channel,occurred_at,summary,score"],
        )
        with session_scope(by_service, staff="tester", write=True) as session:
            for n, (who, kind, days, score) in enumerate(events):
                moment = now + timedelta(days=days, minutes=n)
                if kind == "purchase":
                    activity.record_purchase(session, who + 1, amount="10", ordered_at=moment)
                    purchases.append(f"C{who},{moment.isoformat()},10")
                else:
                    activity.log_interaction(
                        session, who + 1, channel="call", summary=f"s{n}", occurred_at=moment, score=score
                    )
                    interactions.append(f"C{who},call,{moment.isoformat()},s{n},{'' if score is None else score}")
        # One file per kind when the events are all of one kind (the batch replays them in file order);
        # mixed events are imported one by one, since a file holds a single kind.
        kinds = {kind for _, kind, _, _ in events}
        files = [("purchases", purchases), ("interactions", interactions)] if len(kinds) == 1 else []
        if not files:
            for n, (who, kind, days, score) in enumerate(events):
                stamp = (now + timedelta(days=days, minutes=n)).isoformat()
                if kind == "purchase":
                    files.append(("purchases", [purchases[0], f"C{who},{stamp},10"]))
                else:
                    cell = "" if score is None else score
                    files.append(("interactions", [interactions[0], f"C{who},call,{stamp},s{n},{cell}"]))
        for target, lines in files:
            if len(lines) == 1:
                continue
            body = io.BytesIO("\n".join(lines).encode())
            summary = import_file(by_import, target, body, ImportOptions(batch_size=batch_size), staff="tester")
            assert summary.committed, [e.as_dict() for e in summary.errors]

        def outcome(engine: Engine) -> Any:
            with session_scope(engine) as session:
                final = session.execute(
                    select(col(Customer.external_id), col(Customer.stage), col(Customer.version)).order_by(
                        col(Customer.id)
                    )
                ).all()
                moves = session.execute(
                    select(
                        col(StageChange.customer_id),
                        col(StageChange.from_stage),
                        col(StageChange.to_stage),
                        col(StageChange.at),
                        col(StageChange.reason),
                    )
                    .where(col(StageChange.automatic).is_(True), col(StageChange.from_stage).is_not(None))
                    .order_by(col(StageChange.customer_id), col(StageChange.at), col(StageChange.id))
                ).all()
                reminders = sorted(
                    session.execute(select(col(FollowUp.customer_id), col(FollowUp.kind), col(FollowUp.due_date))).all()
                )
            return final, moves, reminders

        assert outcome(by_import) == outcome(by_service)
    finally:
        clock.now = saved
