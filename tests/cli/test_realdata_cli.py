"""Real exports at the shell: what is not imported is named, and every e-mail finds its customer."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from deskapp.cli import app

REAL = Path(__file__).resolve().parents[1] / "data" / "import" / "realdata"
runner = CliRunner()


def deskapp(db: Path, *args: str) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "tester", *args])


def test_google_export_names_what_is_not_imported_and_find_sees_every_email(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    result = deskapp(db, "import", "customers", str(REAL / "google_contacts.csv"))
    assert result.exit_code == 0, result.output
    assert "not imported: Photo, Website 1 - Label, Website 1 - Value" in result.output
    assert "+447700900123" in result.output  # the odd phone: a warning, not a refusal
    found = deskapp(db, "find", "linnea@holmcykel.example.se", "--json")  # the contact's E-mail 2
    assert [c["name"] for c in json.loads(found.output)] == ["Linnea Holm"]


def test_shopify_orders_from_the_shell(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    assert deskapp(db, "import", "customers", str(REAL / "shopify_customers.csv")).exit_code == 0
    result = deskapp(db, "import", "purchases", str(REAL / "orders_export.csv"), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["inserted"] == 2 and summary["detected_export"] == "shopify-orders"
    assert "Taxes" in summary["not_imported"] and "Lineitem name" not in summary["not_imported"]
