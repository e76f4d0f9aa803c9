from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import session_scope
from tests.conftest import copy_of_template

runner = CliRunner()


def test_find_prints_a_table_and_json(db_path: Path, desk_template: Path) -> None:
    engine = copy_of_template(desk_template, db_path)
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="Ödön Kovács", email="odon@example.hu")
        customers.create_customer(s, name="[bold]Ann[/]")
    engine.dispose()
    result = runner.invoke(app, ["--db", str(db_path), "find", "odon"])
    assert result.exit_code == 0, result.output
    assert "Ödön Kovács" in result.output
    result = runner.invoke(app, ["--db", str(db_path), "find", "ann", "--json"])
    assert json.loads(result.output)[0]["name"] == "[bold]Ann[/]"
    result = runner.invoke(app, ["--db", str(db_path), "find", "ann"])
    assert "[bold]Ann[/]" in result.output


def test_find_nothing_and_bad_database(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "new.db"), "find", "nobody"])
    assert result.exit_code == 0 and "No customer matches" in result.output
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    result = runner.invoke(app, ["--db", str(junk), "find", "x"])
    assert result.exit_code == 2
    assert "can't be opened" in result.output and "Traceback" not in result.output


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "u.db"), "db", "upgrade"])
    assert result.exit_code == 0 and "upgraded" in result.output
    result = runner.invoke(app, ["--db", str(tmp_path / "u.db"), "db", "upgrade"])
    assert "already at" in result.output


def test_demo_print_uses_the_data_directory() -> None:
    result = runner.invoke(app, ["demo", "--print"])
    assert result.exit_code == 0, result.output
    assert "id" in result.output
