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
from rich.text import Text
from sqlalchemy.engine import Engine, make_url
from textual.coordinate import Coordinate
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Input, Select, TextArea

from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.records import clock
from deskapp.tui.app import DeskApp
from tests.conftest import copy_of_template, ident

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
        ids.update(odon=ident(odon), asa=ident(asa))
    return ids


@pytest.fixture
def small_desk(engine: Engine, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> SmallDesk:
    monkeypatch.setattr(clock, "now", lambda: FIXED_NOW - timedelta(days=10))
    ids = build_small_desk(engine)
    with session_scope(engine, staff="tester", write=True) as s:
        ids["check_in"] = ident(activity.schedule_follow_up(s, ids["odon"], due=date(2026, 11, 23), kind="check_in"))
        ids["thank_you"] = ident(
            activity.schedule_follow_up(
                s, ids["asa"], due=date(2026, 11, 20), kind="thank_you", note="Thank Åsa for the order"
            )
        )
        ids["complaint"] = ident(
            activity.open_complaint(
                s, ids["asa"], subject="Brakes squeal after service", priority="urgent", category="quality"
            )
        )
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


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """For what arrives on its own (a debounced search, live refresh, the palette's hits): poll the condition,
    letting the app run in between. The timeout only bounds a failing test; a passing one waits no longer
    than the condition takes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


async def searched(pilot: Pilot[Any]) -> None:
    """Wait until the Customers page has searched for what was typed and shown it, then let workers settle."""
    from deskapp.tui.pages.customers import CustomersScreen

    await pilot.pause()  # the keys' Input.Changed reaches the page and starts the debounce
    page = pilot.app.screen
    assert isinstance(page, CustomersScreen)
    assert await wait_until(pilot, lambda: page.search_settled), "the search never came back"
    await settle(pilot)


def cell_text(table: DataTable[Text], row: int, column: int) -> str:
    """What a cell of one of the desk's tables shows."""
    return table.get_cell_at(Coordinate(row, column)).plain


def set_value(screen: Screen[Any], selector: str, value: str) -> None:
    """Fill a form field the way typing or picking would leave it, whatever kind of field it is."""
    widget = screen.query_one(selector)
    if isinstance(widget, Input | Select):
        widget.value = value
    elif isinstance(widget, TextArea):
        widget.text = value
    elif isinstance(widget, Checkbox):
        widget.value = value == "true"
    else:
        raise TypeError(f"{selector} is a {type(widget).__name__}, not a form field")


def record_notifications(app: DeskApp) -> list[tuple[str, str, str]]:
    """(title, message, severity) of every notification, however it was raised (thread-safe wrapper)."""
    seen: list[tuple[str, str, str]] = []
    original = app.notify

    def notify(message: str, *, title: str = "", severity: SeverityLevel = "information", **kwargs: Any) -> None:
        seen.append((title, message, severity))
        original(message, title=title, severity=severity, **kwargs)

    app.notify = notify  # type: ignore[method-assign]  # this one app's notify, wrapped; the class keeps its own
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
    monkeypatch.setenv("DESKAPP_NOW", SNAPSHOT_NOW)
    engine = copy_of_template(sample_db, tmp_path / "sample.db")
    yield engine
    engine.dispose()
