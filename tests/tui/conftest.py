"""TUI fixtures: a small desk built with the core services, an app factory, and a helper that waits for the
app's workers instead of sleeping."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine, make_url
from textual.pilot import Pilot

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.records import clock
from deskapp.tui.app import DeskApp

FIXED_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SNAPSHOT_NOW = "2026-11-23T09:30:00+00:00"


@dataclass
class SmallDesk:
    """Ids of what the small desk holds, for tests to act on."""

    engine: Engine
    path: Path
    ids: dict[str, int] = field(default_factory=dict)


def build_small_desk(engine: Engine) -> dict[str, int]:
    """A handful of customers with a check-in due today, an overdue thank-you and an urgent open complaint.

    Built with the clock ten days back, so everything the tests add at "now" is newer than the history.
    """
    ids: dict[str, int] = {}
    with session_scope(engine, staff="tester", write=True) as s:
        odon = customers.create_customer(
            s, name="Ödön Kovács", email="odon@example.hu", owner="tester", cadence_days=30, stage="retention"
        )
        asa = customers.create_customer(s, name="Åsa Lindqvist", company="Nordljus AB", owner="anna", tags="vip")
        customers.create_customer(s, name="Bob Builder", company="Builder Ltd", owner="tester", source="google")
        ids.update(odon=odon.id, asa=asa.id)  # type: ignore[arg-type]
    return ids


@pytest.fixture
def small_desk(engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> SmallDesk:
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW - timedelta(days=10))
    ids = build_small_desk(engine)
    with session_scope(engine, staff="tester", write=True) as s:
        ids["check_in"] = activity.schedule_follow_up(s, ids["odon"], due=date(2026, 11, 23), kind="check_in").id  # type: ignore[assignment]
        ids["thank_you"] = activity.schedule_follow_up(  # type: ignore[assignment]
            s, ids["asa"], due=date(2026, 11, 20), kind="thank_you", note="Thank Åsa for the order"
        ).id
        ids["complaint"] = activity.open_complaint(  # type: ignore[assignment]
            s, ids["asa"], subject="Brakes squeal after service", priority="urgent", category="quality"
        ).id
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW)
    return SmallDesk(engine, db_path, ids)


def make_app(engine: Engine, **options: Any) -> DeskApp:
    """The app as the CLI builds it, with a stable header, no cursor blink and (by default) no polling."""
    options.setdefault("poll_seconds", 0)
    options.setdefault("cursor_blink", False)
    return DeskApp(engine, url=make_url("sqlite:///desk.db"), staff="tester", **options)


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let workers finish and their messages land (a worker's result may start another worker)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """For what arrives on its own (live refresh): poll the condition, pausing the app in between."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def record_notifications(app: DeskApp) -> list[tuple[str, str, str]]:
    """(title, message, severity) of every notification, however it was raised (thread-safe wrapper)."""
    seen: list[tuple[str, str, str]] = []
    original = app.notify

    def notify(message: str, *, title: str = "", severity: str = "information", **kwargs: Any) -> None:
        seen.append((title, message, severity))
        original(message, title=title, severity=severity, **kwargs)  # type: ignore[arg-type]

    app.notify = notify  # type: ignore[method-assign]
    return seen


# --- the sample desk for snapshots ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo business loaded once per session, dated around 2026-11-23 (copied per test that writes)."""
    from deskapp.core.io.sample import load_sample

    os.environ["TZ"] = "UTC"
    time.tzset()
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    engine = open_engine(path)
    saved = os.environ.get("DESKAPP_NOW")
    os.environ["DESKAPP_NOW"] = SNAPSHOT_NOW
    try:
        load_sample(engine, today=date(2026, 11, 23))
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        if saved is None:
            os.environ.pop("DESKAPP_NOW", None)
        else:
            os.environ["DESKAPP_NOW"] = saved
        engine.dispose()
    return path


@pytest.fixture
def sample_engine(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A private copy of the sample desk, with the clock fixed for the whole process."""
    import shutil

    monkeypatch.setenv("DESKAPP_NOW", SNAPSHOT_NOW)
    copy = tmp_path / "sample.db"
    shutil.copy(sample_db, copy)
    engine = open_engine(copy)
    yield engine
    engine.dispose()
