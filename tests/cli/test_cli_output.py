"""What the CLI prints: one line per message whatever the value, and never a terminal escape from data."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from deskapp.cli import app
from deskapp.core.customers.service import create_customer
from deskapp.core.db.engine import open_engine, session_scope

runner = CliRunner()
ESC = "\x1b"


def deskapp(db: Path, *args: str, staff: str = "tester") -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", staff, *args])


def test_as_with_control_characters_is_refused_in_one_line(tmp_path: Path) -> None:
    result = deskapp(tmp_path / "desk.db", "find", staff="\x1b[2Jmallory")
    assert result.exit_code == 2
    assert ESC not in result.output
    assert len(result.output.strip().splitlines()) == 1 and "--as" in result.output


def test_escapes_in_stored_names_and_file_names_never_reach_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    engine = open_engine(db)
    with session_scope(engine, staff="tester", write=True) as session:
        create_customer(session, name="\x1b[31mRed\x1b]52;c;cGF3bmVk\x07 Rita", email="rita@example.org")
    engine.dispose()
    found = deskapp(db, "find", "Rita")
    assert found.exit_code == 0 and "Rita" in found.output and ESC not in found.output
    hostile = tmp_path / "orders\x1b[2J.csv"
    hostile.write_text("name,email\nBo,bo@example.org\n")
    imported = deskapp(db, "import", "customers", str(hostile))
    assert imported.exit_code == 0, imported.output
    assert "orders" in imported.output and ESC not in imported.output
    history = deskapp(db, "import", "history")
    assert "orders" in history.output and ESC not in history.output


def test_a_huge_value_is_quoted_short_on_one_line(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    source = tmp_path / "big.csv"
    source.write_text("name,email,stage\nBo,bo@example.org," + "x" * 1_000_000 + "\n")
    result = deskapp(db, "import", "customers", str(source))
    assert result.exit_code == 1
    assert len(result.output) < 5000
    assert "…" in result.output


def test_a_long_error_is_not_wrapped_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    missing = tmp_path / ("a-rather-long-folder-name-for-a-backup-" * 3) / "backup.db"
    result = deskapp(tmp_path / "desk.db", "restore", str(missing), "--yes")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) > 80 and "does not exist" in lines[0]
