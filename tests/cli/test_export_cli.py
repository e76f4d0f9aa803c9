"""`deskapp export`: to standard output or a private file, in the format asked for or named by the file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner, Result

from deskapp.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "import"
runner = CliRunner()


def deskapp(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "tester", *args])


def desk(tmp_path: Path) -> Path:
    db = tmp_path / "desk.db"
    assert deskapp(db, "import", "customers", str(DATA / "hubspot_contacts.csv")).exit_code == 0
    return db


def test_csv_to_standard_output(tmp_path: Path) -> None:
    result = deskapp(desk(tmp_path), "export", "customers")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4 and rows[0]["external_id"] == "51" and rows[0]["stage"] == "consideration"


def test_format_from_the_file_name_and_a_private_file(tmp_path: Path) -> None:
    db = desk(tmp_path)
    checks: list[tuple[str, Callable[[str], bool]]] = [
        ("out.json", lambda text: len(json.loads(text)) == 4),
        ("out.jsonl", lambda text: len(text.splitlines()) == 4),
        ("out.vcf", lambda text: text.count("BEGIN:VCARD") == 4),
        ("out.csv", lambda text: text.count("\n") == 5),
    ]
    for name, check in checks:
        target = tmp_path / name
        result = deskapp(db, "export", "customers", "-o", str(target))
        assert result.exit_code == 0, result.output
        assert check(target.read_text(encoding="utf-8")), name
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        assert not list(tmp_path.glob(".*.partial"))


def test_excel_csv_has_a_bom_and_round_trips(tmp_path: Path) -> None:
    db = desk(tmp_path)
    target = tmp_path / "excel.csv"
    assert deskapp(db, "export", "customers", "-o", str(target), "--excel", "--delimiter", ";").exit_code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid;external_id")
    result = deskapp(db, "import", "customers", str(target), "--json")
    summary = json.loads(result.output)
    assert (summary["unchanged"], summary["inserted"], summary["updated"]) == (4, 0, 0)


def test_follow_ups_as_a_calendar(tmp_path: Path) -> None:
    db = desk(tmp_path)
    body = "customer_external_id,due,note\n51,2026-12-01 10:30,Call Sipho\n"
    assert runner.invoke(app, ["--db", str(db), "import", "followups", "-"], input=body).exit_code == 0
    result = deskapp(db, "export", "followups", "--format", "ics")
    assert result.exit_code == 0 and "DTSTART:20261201T103000" in result.stdout


def test_wrong_kind_or_format_exits_2(tmp_path: Path) -> None:
    db = desk(tmp_path)
    assert deskapp(db, "export", "orders").exit_code == 2
    result = deskapp(db, "export", "purchases", "--format", "vcf")
    assert result.exit_code == 2 and "not offered" in result.output
