"""`deskapp due`: overdue, today and upcoming follow-ups, a listing that writes nothing; `deskapp sweep`:
the rules for cron; exit 0; stable JSON."""

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


def _table_counts(db: str) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(db) as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in ("follow_up", "audit_entry")}


def test_due_only_lists_even_when_run_twice(desk: list[str]) -> None:
    before = _table_counts(desk[1])
    data = due_json([*desk, "due"])
    assert data["created_by_sweep"] == {}
    assert [r["customer"] for r in data["today_due"]] == ["Ann Customer"]  # Quiet's check-in isn't made by due
    due_json([*desk, "due"])
    assert _table_counts(desk[1]) == before


def sweep_json(args: list[str]) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "sweep", "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_sweep_creates_once_and_dry_run_writes_nothing(desk: list[str]) -> None:
    before = _table_counts(desk[1])
    preview = runner.invoke(app, [*desk, "sweep", "--dry-run", "--json"])
    assert preview.exit_code == 0 and json.loads(preview.output)["created"] == {"cadence": 1}
    assert json.loads(preview.output)["actions"][0]["follow_up_id"] is None
    assert _table_counts(desk[1]) == before
    data = sweep_json(desk)
    assert data["created"] == {"cadence": 1} and data["dry_run"] is False  # Quiet: last contact 83 days ago
    (made,) = data["actions"]
    assert made["reason"].startswith("Regular check-in: last contact 2026-09-01") and made["follow_up_id"]
    assert sweep_json(desk)["created"] == {}
    quiet = [r for r in due_json([*desk, "due"])["today_due"] if r["customer"] == "Quiet Customer"]
    assert len(quiet) == 1


def test_due_with_sweep_is_the_cron_line_that_does_both(desk: list[str]) -> None:
    data = due_json([*desk, "due", "--sweep"])
    assert data["created_by_sweep"] == {"cadence": 1}
    assert due_json([*desk, "due", "--sweep"])["created_by_sweep"] == {}


def test_table_output_and_exit_code_zero_with_overdue_items(desk: list[str]) -> None:
    result = runner.invoke(app, [*desk, "due"])
    assert result.exit_code == 0
    assert "Overdue (1)" in result.output and "Today (1)" in result.output and "Next 7 days (1)" in result.output
    assert "Automation created" not in result.output
    result = runner.invoke(app, [*desk, "sweep", "--dry-run"])
    assert result.exit_code == 0 and "Would create 1: 1 cadence." in result.output
    result = runner.invoke(app, [*desk, "sweep"])
    assert "Created 1: 1 cadence." in result.output
    assert "Nothing new" in runner.invoke(app, [*desk, "sweep"]).output


def test_nothing_due(tmp_path: Path, frozen_now: datetime) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "empty.db"), "due"])
    assert result.exit_code == 0 and "Nothing due in the next 7 days." in result.output


def test_long_sections_are_cut_in_the_table_but_not_in_json(desk: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.cli import due as due_module

    monkeypatch.setattr(due_module, "SHOWN", 1)
    result = runner.invoke(app, [*desk, "due", "--no-sweep", "--days", "30"])
    assert "Next 30 days (2)" in result.output and "(1 more; --json lists them all)" in result.output
    assert len(due_json([*desk, "due", "--no-sweep", "--days", "30"])["upcoming"]) == 2


def test_a_referral_from_the_command_line_thanks_the_referrer(desk: list[str]) -> None:
    result = runner.invoke(app, [*desk, "customer", "refer", "1", "2", "--note", "met at the shop", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["referrer_id"] == 1
    thanks = [r for r in due_json([*desk, "due", "--days", "7"])["upcoming"] if r["kind"] == "thank_you"]
    assert any(r["note"] == "Thank them for referring Bo Customer." for r in thanks)
    again = runner.invoke(app, [*desk, "customer", "refer", "3", "2"])
    assert again.exit_code == 2 and "already referred by customer 1" in again.output
