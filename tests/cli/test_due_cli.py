"""`deskapp due`: overdue, today and upcoming follow-ups; the sweep runs first; exit 0; stable JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.activity.service import log_interaction, schedule_follow_up
from deskapp.core.customers.service import create_customer
from deskapp.core.db.engine import session_scope
from tests.conftest import copy_of_template, ident

runner = CliRunner()
ROW_KEYS = [
    "id",
    "customer_id",
    "customer",
    "due_date",
    "due_time",
    "kind",
    "note",
    "status",
    "assignee",
    "days_overdue",
    "complaint_id",
]


@pytest.fixture
def desk(tmp_path: Path, frozen_now: datetime, desk_template: Path) -> list[str]:
    db = tmp_path / "desk.db"
    engine = copy_of_template(desk_template, db)
    with session_scope(engine, staff="anna", write=True) as s:
        ann = ident(create_customer(s, name="Ann Customer", owner="anna"))
        bo = ident(create_customer(s, name="Bo Customer", owner="bence"))
        schedule_follow_up(s, ann, due="2026-11-20", note="late one")
        schedule_follow_up(s, ann, due="2026-11-23 14:00", note="today, at two")
        schedule_follow_up(s, bo, due="2026-11-27", kind="thank_you", note="thank Bo")
        schedule_follow_up(s, bo, due="2026-12-20", note="far away")
        quiet = ident(create_customer(s, name="Quiet Customer", owner="bence"))
        log_interaction(s, quiet, channel="email", summary="last word", occurred_at=datetime(2026, 9, 1, tzinfo=UTC))
    engine.dispose()
    return ["--db", str(db)]


def due_json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "due", "--json"] if "due" not in args else [*args, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_json_lists_overdue_today_and_upcoming_with_stable_keys(desk: list[str]) -> None:
    data = due_json([*desk, "due", "--no-sweep"])
    assert list(data) == ["today", "days", "assignee", "created_by_sweep", "overdue", "today_due", "upcoming"]
    assert (data["today"], data["days"], data["assignee"], data["created_by_sweep"]) == ("2026-11-23", 7, None, {})
    (late,) = data["overdue"]
    assert list(late) == ROW_KEYS
    assert (late["customer"], late["due_date"], late["days_overdue"], late["note"]) == (
        "Ann Customer",
        "2026-11-20",
        3,
        "late one",
    )
    (today,) = data["today_due"]
    assert (today["due_time"], today["kind"], today["status"]) == ("14:00", "check_in", "open")
    assert [r["note"] for r in data["upcoming"]] == ["thank Bo"]  # 2026-12-20 is beyond 7 days
    assert data["upcoming"][0]["days_overdue"] == -4


def test_days_widens_the_window(desk: list[str]) -> None:
    data = due_json([*desk, "due", "--no-sweep", "--days", "30"])
    assert [r["note"] for r in data["upcoming"]] == ["thank Bo", "far away"]


def test_mine_filters_by_who_is_at_the_desk(desk: list[str]) -> None:
    data = due_json([*desk, "--as", "bence", "due", "--no-sweep", "--mine", "--days", "30"])
    assert data["assignee"] == "bence"
    assert data["overdue"] == [] and data["today_due"] == []
    assert {r["customer"] for r in data["upcoming"]} == {"Bo Customer"}


def test_the_sweep_runs_first_and_only_once(desk: list[str]) -> None:
    data = due_json([*desk, "due"])
    assert data["created_by_sweep"] == {"cadence": 1}  # Quiet: last contact 83 days ago, lead cadence 30
    quiet = [r for r in data["today_due"] if r["customer"] == "Quiet Customer"]
    assert len(quiet) == 1 and quiet[0]["note"].startswith("Regular check-in: last contact 2026-09-01")
    again = due_json([*desk, "due"])
    assert again["created_by_sweep"] == {}
    assert len(again["today_due"]) == len(data["today_due"])


def test_table_output_and_exit_code_zero_with_overdue_items(desk: list[str]) -> None:
    result = runner.invoke(app, [*desk, "due", "--no-sweep"])
    assert result.exit_code == 0
    assert "Overdue (1)" in result.output and "Today (1)" in result.output and "Next 7 days (1)" in result.output
    result = runner.invoke(app, [*desk, "due"])
    assert "Automation created: 1 cadence." in result.output


def test_nothing_due(tmp_path: Path, frozen_now: datetime) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "empty.db"), "due"])
    assert result.exit_code == 0 and "Nothing due in the next 7 days." in result.output


def test_long_sections_are_cut_in_the_table_but_not_in_json(desk: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.cli import due as due_module

    monkeypatch.setattr(due_module, "SHOWN", 1)
    result = runner.invoke(app, [*desk, "due", "--no-sweep", "--days", "30"])
    assert "Next 30 days (2)" in result.output and "(1 more; --json lists them all)" in result.output
    assert len(due_json([*desk, "due", "--no-sweep", "--days", "30"])["upcoming"]) == 2
