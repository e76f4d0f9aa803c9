from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from tests.conftest import copy_of_template

runner = CliRunner()


def test_backup_check_export_erase_restore(tmp_path: Path, desk_template: Path) -> None:
    db = tmp_path / "desk.db"
    engine = copy_of_template(desk_template, db)
    with session_scope(engine, write=True) as s:
        cid = customers.create_customer(s, name="Lerato Mokoena", email="lerato@example.co.za").id
    engine.dispose()
    base = ["--db", str(db)]
    result = runner.invoke(app, [*base, "backup", str(tmp_path / "bk") + "/"])
    assert result.exit_code == 0, result.output
    backup_file = next((tmp_path / "bk").glob("*.db"))
    result = runner.invoke(app, [*base, "db", "check"])
    assert result.exit_code == 0 and "search index:  ok" in result.output
    result = runner.invoke(app, [*base, "customer", "export", str(cid)])
    assert json.loads(result.output)["customer"]["email"] == "lerato@example.co.za"
    result = runner.invoke(app, [*base, "customer", "erase", str(cid)], input="n\n")
    assert result.exit_code == 1
    result = runner.invoke(app, [*base, "customer", "erase", str(cid), "--yes"])
    assert result.exit_code == 0 and "older backups" in result.output.lower()
    assert "Lerato" not in runner.invoke(app, [*base, "find", "lerato"]).output
    result = runner.invoke(app, [*base, "restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Lerato" in runner.invoke(app, [*base, "find", "lerato"]).output
    result = runner.invoke(app, [*base, "customer", "export", "999"])
    assert result.exit_code == 2 and "no customer with id 999" in result.output
