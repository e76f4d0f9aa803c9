"""`deskapp import ... --save-mapping / --mapping`, `deskapp import mappings`, and likely duplicates in the
summary: what a nightly script and the person setting it up see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from deskapp.cli import app
from deskapp.core.db.engine import session_scope
from deskapp.core.records.settings import save_setting
from tests.conftest import copy_of_template

runner = CliRunner()
NIGHT_1 = "Kundnr;Namn;Mobil;Intern\nK1;Anna Berg;070-123 45 67;x\nK2;Erik Nagy;;y\n"
NIGHT_2 = "Kundnr;Namn;Mobil;Intern\nK3;Bo Ek;070-555 55 55;z\n"
SHOP_MAP = ("--map", "Kundnr=external_id", "--map", "Namn=name", "--map", "Mobil=phone", "--map", "Intern=")


def deskapp(db: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["--db", str(db), "--as", "tester", *args], input=stdin)


@pytest.fixture
def db(tmp_path: Path, desk_template: Path) -> Path:
    path = tmp_path / "desk.db"
    engine = copy_of_template(desk_template, path)
    with session_scope(engine, write=True) as session:
        save_setting(session, "phone_region", "SE")
    engine.dispose()
    return path


def write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def save_shop(db: Path, tmp_path: Path) -> None:
    night = write(tmp_path, "night1.csv", NIGHT_1)
    result = deskapp(db, "import", "customers", night, *SHOP_MAP, "--delimiter", ";", "--save-mapping", "shop")
    assert result.exit_code == 0, result.output
    assert "Mapping 'shop' saved: deskapp import customers FILE --mapping shop reads" in result.output


def found(db: Path, words: str) -> list[dict[str, object]]:
    result = deskapp(db, "find", words, "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


def test_save_list_and_reuse_a_mapping(db: Path, tmp_path: Path) -> None:
    save_shop(db, tmp_path)
    listed = deskapp(db, "import", "mappings")
    assert listed.exit_code == 0, listed.output
    assert "shop (customers, delimiter ';')" in listed.output and "from night1.csv by tester" in listed.output
    assert "  Kundnr -> external_id\n  Namn -> name\n  Mobil -> phone\n" in listed.output
    assert "ignored: Intern" in listed.output
    as_json = json.loads(deskapp(db, "import", "mappings", "--json").output)
    assert [(m["name"], m["kind"], m["delimiter"]) for m in as_json] == [("shop", "customers", ";")]
    assert as_json[0]["columns"][0] == {"column": "Kundnr", "field": "external_id"}
    # the next night: no --map, no --delimiter
    result = deskapp(db, "import", "customers", write(tmp_path, "night2.csv", NIGHT_2), "--mapping", "shop")
    assert result.exit_code == 0, result.output
    assert "delimiter ';', mapping 'shop')" in result.output and "Imported: 1 inserted" in result.output
    assert found(db, "Bo Ek")[0]["phone"] == "+46705555555"
    summary = json.loads(
        deskapp(db, "import", "customers", write(tmp_path, "n3.csv", NIGHT_2), "--mapping", "shop", "--json").output
    )
    assert (summary["mapping_used"], summary["saved_mapping"], summary["unchanged"]) == ("shop", None, 1)


def test_explicit_map_wins_over_the_saved_one(db: Path, tmp_path: Path) -> None:
    save_shop(db, tmp_path)
    night = write(tmp_path, "night2.csv", NIGHT_2)
    result = deskapp(db, "import", "customers", night, "--mapping", "shop", "--map", "Intern=notes", "--json")
    assert result.exit_code == 0, result.output
    assert {"columns": "Intern", "field": "notes"} in json.loads(result.output)["mapping"]


def test_one_mapping_by_name_and_an_empty_list(db: Path, tmp_path: Path) -> None:
    empty = deskapp(db, "import", "mappings")
    assert empty.exit_code == 0 and "No saved mappings." in empty.output
    assert json.loads(deskapp(db, "import", "mappings", "--json").output) == []
    save_shop(db, tmp_path)
    one = deskapp(db, "import", "mappings", "shop", "--json")
    assert [m["name"] for m in json.loads(one.output)] == ["shop"]
    missing = deskapp(db, "import", "mappings", "shp")
    assert missing.exit_code == 2 and "saved mappings: shop" in missing.output


def test_unknown_name_lists_the_saved_ones(db: Path, tmp_path: Path) -> None:
    save_shop(db, tmp_path)
    result = deskapp(db, "import", "customers", write(tmp_path, "n.csv", NIGHT_2), "--mapping", "shp")
    assert result.exit_code == 2
    assert "no mapping is saved under 'shp'; saved mappings: shop" in " ".join(result.output.split())


def test_a_mapping_for_another_kind_is_refused(db: Path, tmp_path: Path) -> None:
    save_shop(db, tmp_path)
    body = "Kundnr;Belopp;Datum\nK1;100;2026-01-02\n"
    result = deskapp(db, "import", "purchases", write(tmp_path, "p.csv", body), "--mapping", "shop")
    assert result.exit_code == 2
    assert "mapping 'shop' was saved for customers, not purchases" in " ".join(result.output.split())


def test_missing_columns_are_named_and_nothing_is_written(db: Path, tmp_path: Path) -> None:
    save_shop(db, tmp_path)
    body = "Kundnr;Name;Telefon\nK9;Cy Dahl;070-999 99 99\n"
    result = deskapp(db, "import", "customers", write(tmp_path, "n.csv", body), "--mapping", "shop")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "the file lacks 2 columns the saved mapping 'shop' reads: 'Namn' (name), 'Mobil' (phone)" in text
    assert found(db, "Dahl") == []
    # told where they went, it imports
    fixed = deskapp(
        db, "import", "customers", str(tmp_path / "n.csv"), "--mapping", "shop",
        "--map", "Name=name", "--map", "Telefon=phone",
    )  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert found(db, "Dahl")[0]["phone"] == "+46709999999"


def test_not_saved_when_nothing_was_imported_but_saved_on_a_clean_dry_run(db: Path, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.csv", NIGHT_1 + "K4;Bad Phone;12;x\n")
    result = deskapp(db, "import", "customers", bad, *SHOP_MAP, "--save-mapping", "shop")
    assert result.exit_code == 1
    assert "Mapping 'shop' not saved: the import wrote nothing" in result.output
    assert json.loads(deskapp(db, "import", "mappings", "--json").output) == []
    good = write(tmp_path, "good.csv", NIGHT_1)
    tried = deskapp(db, "import", "customers", good, *SHOP_MAP, "--dry-run", "--save-mapping", "tried", "--json")
    assert tried.exit_code == 0 and json.loads(tried.output)["saved_mapping"] == "tried"
    assert [m["name"] for m in json.loads(deskapp(db, "import", "mappings", "--json").output)] == ["tried"]
    assert found(db, "Berg") == []


def test_a_bad_name_is_refused_before_the_import(db: Path, tmp_path: Path) -> None:
    result = deskapp(db, "import", "customers", write(tmp_path, "n.csv", NIGHT_1), "--save-mapping", "my shop")
    assert result.exit_code == 2 and "can't name a mapping" in result.output
    assert found(db, "Berg") == []


def test_column_names_print_literally(db: Path, tmp_path: Path) -> None:
    body = "name;[bold]Kund[/]\nAnna;K1\n"
    result = deskapp(
        db, "import", "customers", write(tmp_path, "m.csv", body), "--map", "[bold]Kund[/]=external_id",
        "--save-mapping", "odd",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "  [bold]Kund[/] -> external_id" in deskapp(db, "import", "mappings").output


# --- likely duplicates -----------------------------------------------------------------------------------------

DUPES = "name,email,phone\nBerg Ánna,Anna.Berg+shop@gmail.com,\nAnna Berg,,070-123 45 67\nAnna Berg,anna@else.se,\n"


def existing_anna(db: Path, tmp_path: Path) -> int:
    body = "name,email,phone\nAnna Berg,annaberg@gmail.com,+46701234567\n"
    assert deskapp(db, "import", "customers", write(tmp_path, "anna.csv", body)).exit_code == 0
    customer_id = found(db, "annaberg")[0]["id"]
    assert isinstance(customer_id, int)
    return customer_id


def test_likely_duplicates_are_listed_in_the_summary(db: Path, tmp_path: Path) -> None:
    anna = existing_anna(db, tmp_path)
    result = deskapp(db, "import", "customers", write(tmp_path, "d.csv", DUPES))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2 rows look like a customer already there (created all the same; --duplicates skip leaves them out):" in out
    assert f"line 3 Anna Berg looks like customer {anna} Anna Berg: same name, same phone" in out
    assert f"line 2 Berg Ánna looks like customer {anna} Anna Berg: same name (ignoring word order and accents)" in out
    assert "line 4" not in out  # a namesake with an address of her own
    assert "Imported: 3 inserted" in out


def test_likely_duplicates_in_json_and_skipped(db: Path, tmp_path: Path) -> None:
    anna = existing_anna(db, tmp_path)
    result = deskapp(db, "import", "customers", write(tmp_path, "d.csv", DUPES), "--duplicates", "skip", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["inserted"], summary["skipped"], summary["likely_duplicates_total"]) == (1, 2, 2)
    rows = summary["likely_duplicates"]
    assert [(r["line"], r["customer_id"], r["customer_name"], r["skipped"]) for r in rows] == [
        (2, anna, "Anna Berg", True),
        (3, anna, "Anna Berg", True),
    ]
    assert rows[1]["reasons"] == ["same name", "same phone"] and rows[1]["score"] >= 60
    text = deskapp(db, "import", "customers", write(tmp_path, "d2.csv", DUPES), "--duplicates", "skip", "--dry-run")
    assert "2 rows look like a customer already there, left out (--duplicates skip):" in text.output
    dry = deskapp(db, "import", "customers", str(tmp_path / "d2.csv"), "--dry-run")
    assert "(would be created all the same; --duplicates skip leaves them out):" in dry.output


def test_the_duplicates_option_is_checked(db: Path, tmp_path: Path) -> None:
    result = deskapp(db, "import", "customers", write(tmp_path, "d.csv", DUPES), "--duplicates", "maybe")
    assert result.exit_code == 2 and "--duplicates must be create or skip" in result.output
