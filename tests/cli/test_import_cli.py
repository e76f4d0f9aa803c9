"""`deskapp import`: what a person at a shell, and a nightly script, see and get back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from deskapp.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
runner = CliRunner()


def deskapp(db: Path, *args: str, stdin: str | bytes | None = None) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "tester", *args], input=stdin)


def test_import_prints_a_summary_and_find_sees_the_customers(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "import", "customers", str(DATA / "hubspot_contacts.csv"))
    assert result.exit_code == 0, result.output
    assert "hubspot export" in result.output and "Imported: 4 inserted" in result.output
    found = deskapp(db, "find", "lindiwe", "--json")
    assert json.loads(found.output)[0]["stage"] == "purchase"


def test_bad_rows_exit_1_and_name_their_lines(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "import", "customers", str(DATA / "customers_3_bad_of_10.csv"))
    assert result.exit_code == 1
    assert "line 4, email 'not-an-email'" in result.output
    assert "line 7, phone '12345'" in result.output and "line 9, name" in result.output
    assert "Nothing was written: 3 of 10 rows are invalid" in result.output
    assert json.loads(deskapp(db, "find", "berg", "--json").output) == []


def test_json_summary_for_scripts(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(
        db, "import", "customers", str(DATA / "customers_3_bad_of_10.csv"), "--skip-invalid", "--json",
        "--rejects", str(tmp_path / "rejects.csv"),
    )  # fmt: skip
    assert result.exit_code == 1
    summary = json.loads(result.output)
    assert (summary["inserted"], summary["rejected"], summary["committed"]) == (7, 3, True)
    assert [e["line"] for e in summary["errors"]] == [4, 7, 9]
    assert summary["rejects_file"].endswith("rejects.csv") and (tmp_path / "rejects.csv").exists()
    assert {"rows_per_second", "timings", "mapping", "notices"} <= set(summary)


def test_more_than_twenty_errors_are_counted_not_listed(tmp_path: Path) -> None:
    body = "name,email\n" + "".join(f"P{i},bad{i}@\n" for i in range(25))
    result = deskapp(tmp_path / "desk.db", "import", "customers", "-", stdin=body)
    assert result.exit_code == 1 and "... and 5 more errors" in result.output
    assert result.output.count("line ") == 20


def test_standard_input_format_override_and_mapping(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    body = "Kontakt|Epost\nÅsa|asa@example.se\n"
    result = deskapp(db, "import", "customers", "-", "--delimiter", "|", "--map", "Kontakt=name", stdin=body)
    assert result.exit_code == 0, result.output
    jsonl = '{"Kontakt": "Bo", "Epost": "bo@example.se"}\n'
    result = deskapp(
        db, "import", "customers", "-", "--format", "jsonl", "--map", "Kontakt=name", "--map", "Epost=email",
        "--json", stdin=jsonl,
    )  # fmt: skip
    assert json.loads(result.output)["inserted"] == 1


def test_dry_run_shows_the_mapping(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "import", "customers", str(DATA / "outlook_contacts.csv"), "--dry-run")
    assert result.exit_code == 0
    assert "First Name + Middle Name + Last Name -> name_parts" in result.output
    assert "Mobile Phone | Primary Phone | Business Phone | Home Phone" in result.output
    assert "Windows-1252" in result.output and "Dry run, nothing written" in result.output
    assert json.loads(deskapp(db, "find", "harry", "--json").output) == []


def test_unusable_input_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    cases = [
        ("customers", str(DATA / "empty.csv"), [], "is empty"),
        ("customers", str(DATA / "not_really.csv"), [], "binary"),
        ("customers", str(tmp_path / "missing.csv"), [], "No such file"),
        ("customers", str(DATA / "purchases_us.csv"), [], "no column for name"),
        ("customers", str(DATA / "hubspot_contacts.csv"), ["--on-conflict", "merge"], "on-conflict"),
        ("orders", str(DATA / "purchases_us.csv"), [], "unknown kind"),
        ("customers", str(DATA / "hubspot_contacts.csv"), ["--map", "Nope=name"], "no column 'Nope'"),
    ]
    for kind, path, extra, message in cases:
        result = deskapp(db, "import", kind, path, *extra)
        assert result.exit_code == 2, (kind, path, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_import_of_other_kinds_and_create_missing(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "import", "purchases", str(DATA / "purchases_us.csv"), "--monthfirst", "--create-missing")
    assert result.exit_code == 0, result.output
    assert "1 customers created" in result.output and "2 inserted" in result.output
    again = deskapp(db, "import", "purchases", str(DATA / "purchases_us.csv"), "--monthfirst", "--json")
    assert json.loads(again.output)["unchanged"] == 2


def test_actions_can_register_under_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskapp.cli import importing

    seen = []
    monkeypatch.setitem(importing.IMPORT_ACTIONS, "history", lambda ctx, arg: seen.append(arg))
    result = deskapp(tmp_path / "desk.db", "import", "history")
    assert result.exit_code == 0 and seen == [None]
