"""`deskapp settings`: the list a person reads, the changes a script makes, the refusals both get."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner, Result

from deskapp.cli import app
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.records.setting_rules import KEYS
from deskapp.core.records.tables import AuditEntry, Customer

runner = CliRunner()


def deskapp(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "bence", *args])


def test_the_list_shows_every_key_value_default_and_meaning(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert deskapp(db, "settings", "set", "default_margin", "45%").exit_code == 0
    result = deskapp(db, "settings")
    assert result.exit_code == 0, result.output
    for key in KEYS:
        assert key in result.output
    margin = next(line for line in result.output.splitlines() if "default_margin" in line)
    assert "45%" in margin and "30%" in margin and "Share of" in margin
    listed = json.loads(deskapp(db, "settings", "--json").output)
    assert [item["key"] for item in listed] == list(KEYS)
    margin_json = next(item for item in listed if item["key"] == "default_margin")
    assert margin_json | {"description": "", "allowed": ""} == {
        "key": "default_margin",
        "value": "0.45",
        "default": "0.30",
        "text": "45%",
        "default_text": "30%",
        "is_default": False,
        "description": "",
        "allowed": "",
    }


def test_set_and_reset_are_audited_under_the_staff_name(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "settings", "set", "phone_region", "se")
    assert result.exit_code == 0 and result.output.strip() == "phone_region changed from GB to SE"
    result = deskapp(db, "settings", "reset", "phone_region", "--json")
    assert json.loads(result.output) == {"key": "phone_region", "before": "SE", "after": "GB", "changed": True}
    engine = open_engine(db)
    with session_scope(engine) as s:
        entries = s.execute(
            select(col(AuditEntry.staff), col(AuditEntry.changes)).where(col(AuditEntry.action) == "setting")
        ).all()
    engine.dispose()
    assert [(staff, json.loads(changes)["value"]) for staff, changes in entries] == [
        ("bence", ["GB", "SE"]),
        ("bence", ["SE", "GB"]),
    ]


def test_a_refused_value_exits_2_with_one_line_naming_what_is_allowed(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "settings", "set", "currency", "kronor")
    assert result.exit_code == 2
    assert result.output.startswith("error: currency: must be a three-letter ISO 4217 currency code")
    assert "'kronor'" in result.output and len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    result = deskapp(db, "settings", "set", "phone_regoin", "SE")
    assert result.exit_code == 2 and "there is no setting 'phone_regoin'" in result.output
    assert "phone_region, currency" in result.output
    assert deskapp(db, "settings", "reset", "nothing").exit_code == 2


def test_phone_region_se_then_a_national_swedish_number_imports_in_e164(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("name,phone\nAnna Berg,070-123 45 67\n", encoding="utf-8")
    assert deskapp(db, "settings", "set", "phone_region", "SE").exit_code == 0
    result = deskapp(db, "import", "customers", str(contacts))
    assert result.exit_code == 0, result.output
    engine = open_engine(db)
    with session_scope(engine) as s:
        assert s.execute(select(col(Customer.phone))).scalar_one() == "+46701234567"
    engine.dispose()
