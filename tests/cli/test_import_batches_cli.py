"""`deskapp import history` and `deskapp import undo BATCH`: what a person (or a script) sees and gets back."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from deskapp.cli import app

runner = CliRunner()


def deskapp(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "night-job", *args])


def imported(tmp_path: Path, name: str, body: str) -> int:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    result = deskapp(tmp_path / "desk.db", "import", "customers", str(path), "--json")
    assert result.exit_code == 0, result.output
    return int(json.loads(result.output)["import_batch"])


def test_history_lists_imports_newest_first(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert "No imports yet." in deskapp(db, "import", "history").output
    first = imported(tmp_path, "[red]a.csv", "name,email\nAnn,ann@example.com\nBo,bo@example.com\n")
    second = imported(tmp_path, "b.csv", "name,email\nAnn Renamed,ann@example.com\n")
    shown = deskapp(db, "import", "history")
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert lines[1].split()[0] == str(second) and "1 updated" in lines[1]
    assert lines[2].split()[0] == str(first) and "[red]a.csv" in lines[2] and "2 inserted" in lines[2]
    assert "night-job" in lines[2]
    rows = json.loads(deskapp(db, "import", "history", "--json").output)
    assert [r["id"] for r in rows] == [second, first] and rows[1]["counts"]["inserted"] == 2
    assert len(json.loads(deskapp(db, "import", "history", "1", "--json").output)) == 1
    assert deskapp(db, "import", "history", "lots").exit_code == 2


def test_undo_in_order_then_the_desk_is_as_before(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    first = imported(tmp_path, "a.csv", "name,email\nAnn,ann@example.com\nBo,bo@example.com\n")
    second = imported(tmp_path, "b.csv", "name,email\nAnn Renamed,ann@example.com\n")

    refused = deskapp(db, "import", "undo", str(first))
    assert refused.exit_code == 1
    assert f"Import {first} was not undone" in refused.output
    assert "customer 1 (Ann Renamed) was changed since (import by night-job" in refused.output
    as_json = json.loads(deskapp(db, "import", "undo", str(first), "--json").output)
    assert as_json["undone"] is False and as_json["reasons"]

    preview = deskapp(db, "import", "undo", str(second), "--dry-run")
    assert "Dry run, nothing changed" in preview.output and "would restore 1 customers" in preview.output
    assert json.loads(deskapp(db, "find", "renamed", "--json").output)  # still there after the dry run

    done = deskapp(db, "import", "undo", str(second))
    assert done.exit_code == 0 and "restored 1 customers" in done.output
    assert [c["name"] for c in json.loads(deskapp(db, "find", "ann", "--json").output)] == ["Ann"]
    done = deskapp(db, "import", "undo", str(first), "--json")
    assert json.loads(done.output)["removed"]["customer"] == 2
    assert json.loads(deskapp(db, "find", "", "--json").output) == []
    history = json.loads(deskapp(db, "import", "history", "--json").output)
    assert all(row["undone_by"] == "night-job" for row in history)

    again = deskapp(db, "import", "undo", str(first))
    assert again.exit_code == 2 and "was undone already" in again.output


def test_undo_needs_a_known_batch(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    missing = deskapp(db, "import", "undo")
    assert missing.exit_code == 2 and "deskapp import undo BATCH" in missing.output
    assert "no import batch with id 9" in deskapp(db, "import", "undo", "9").output


def test_the_import_summary_names_its_batch(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("name\nAnn\n", encoding="utf-8")
    result = deskapp(tmp_path / "desk.db", "import", "customers", str(path))
    assert "Import batch 1: take it back with deskapp import undo 1" in result.output
    dry = deskapp(tmp_path / "desk.db", "import", "customers", str(path), "--dry-run")
    assert "Dry run" in dry.output and "Import batch" not in dry.output
