from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from deskapp.cli import app
from deskapp.cli.duplicates import DEFAULT_MIN_SCORE
from deskapp.core.activity import service as activity
from deskapp.core.customers import service as customers
from deskapp.core.db.engine import open_engine, session_scope
from deskapp.core.hygiene import matching
from deskapp.core.records.settings import save_setting
from tests.conftest import copy_of_template, ident

runner = CliRunner()


def make_desk(db_path: Path, template: Path) -> None:
    engine = copy_of_template(template, db_path)
    with session_scope(engine, write=True) as s:
        save_setting(s, "phone_region", "SE")
        a = customers.create_customer(s, name="Åsa Lindqvist", phone="070-123 45 67", notes="first")
        b = customers.create_customer(s, name="Lindqvist Asa", phone="+46701234567", company="[bold]Shop[/]")
        activity.log_interaction(s, ident(b), channel="call", summary="called about a bike")
        customers.create_customer(s, name="Anna Andersson", email="a1@example.se")
        customers.create_customer(s, name="Anna Andersson", email="a2@example.se")
        assert (a.id, b.id) == (1, 2)
    engine.dispose()


def run(db_path: Path, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["--db", str(db_path), *args], input=stdin)


def test_the_cli_default_threshold_is_the_cores() -> None:
    assert DEFAULT_MIN_SCORE == matching.DEFAULT_MIN_SCORE


def test_duplicates_table_and_json(db_path: Path, desk_template: Path) -> None:
    make_desk(db_path, desk_template)
    result = run(db_path, "duplicates")
    assert result.exit_code == 0, result.output
    assert "Åsa Lindqvist" in result.output and "Lindqvist Asa" in result.output and "94" in result.output
    assert "Anna Andersson" not in result.output  # namesakes are not proposed
    data = json.loads(run(db_path, "duplicates", "--json").output)
    assert [(p["a"]["id"], p["b"]["id"]) for p in data["pairs"]] == [(1, 2)]
    assert data["pairs"][0]["reasons"] == ["same name (ignoring word order and accents)", "same phone"]
    low = json.loads(run(db_path, "duplicates", "--json", "--min-score", "10").output)
    assert len(low["pairs"]) == 2 and low["pairs"][1]["reasons"][0] == "same name"
    assert json.loads(run(db_path, "duplicates", "--json", "--min-score", "10", "-n", "1").output)["pairs_found"] == 2


def test_merge_asks_then_merges_and_undoes(db_path: Path, desk_template: Path) -> None:
    make_desk(db_path, desk_template)
    refused = run(db_path, "merge", "2", "1", stdin="n\n")
    assert refused.exit_code == 1 and "[bold]Shop[/]" in refused.output  # shown as text, not markup
    plan = json.loads(run(db_path, "merge", "1", "2", "--json").output)
    assert plan["merged"] is False and plan["survivor_id"] == 1 and plan["moves"]["interaction"] == 1
    assert plan["fields"]["notes"]["taken"] == "survivor"
    done = run(db_path, "merge", "1", "2", "--pick", "name=survivor", stdin="y\n")
    assert done.exit_code == 0, done.output
    assert "Merged customer 2 (Lindqvist Asa) into 1" in done.output and "merge --undo 1" in done.output
    found = json.loads(run(db_path, "find", "lindqvist", "--json").output)
    assert [(c["id"], c["name"], c["company"]) for c in found] == [(1, "Åsa Lindqvist", "[bold]Shop[/]")]
    listed = json.loads(run(db_path, "merge", "--list", "--json").output)
    assert listed[0]["merge_id"] == 1 and listed[0]["other_name"] == "Lindqvist Asa" and not listed[0]["undone_at"]
    undone = run(db_path, "merge", "--undo", "1", "--json")
    assert json.loads(undone.output)["moved_back"]["interaction"] == 1
    assert len(json.loads(run(db_path, "find", "lindqvist", "--json").output)) == 2
    again = run(db_path, "merge", "--undo", "1")
    assert again.exit_code == 2 and "already undone" in again.output and "Traceback" not in again.output


def test_merge_with_keep_and_yes_and_refusals(db_path: Path, desk_template: Path) -> None:
    make_desk(db_path, desk_template)
    result = run(db_path, "merge", "1", "2", "--keep", "2", "--yes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["merged"] and data["survivor_id"] == 2 and data["merge_id"] == 1
    with session_scope(open_engine(db_path), write=True) as s:
        customers.update_customer(s, 2, notes="rewritten since")  # the merge filled notes from #1
    refused = run(db_path, "merge", "--undo", "1")
    assert refused.exit_code == 2 and "changed after the merge (notes)" in refused.output
    for args, message in [
        (("merge", "3"), "two customer ids"),
        (("merge", "3", "4", "--keep", "9"), "not one of the two"),
        (("merge", "3", "4", "--pick", "colour"), "FIELD=survivor"),
        (("merge", "3", "4", "--pick", "name=mine", "--yes"), "pick survivor or other"),
        (("merge", "3", "99", "--yes"), "no customer with id 99"),
        (("merge", "3", "3", "--yes"), "merged with itself"),
        (("merge", "--undo", "42"), "no merge with id 42"),
    ]:
        out = run(db_path, *args)
        assert out.exit_code == 2 and message in out.output, (args, out.output)
    assert "No merges yet" not in run(db_path, "merge", "--list").output


def test_no_duplicates_and_no_merges(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    assert "No likely duplicates" in run(db, "duplicates").output
    assert "No merges yet" in run(db, "merge", "--list").output


def test_names_are_never_markup(db_path: Path, desk_template: Path) -> None:
    engine = copy_of_template(desk_template, db_path)
    with session_scope(engine, write=True) as s:
        customers.create_customer(s, name="[b]Eve[/b]", email="eve@example.com")
        customers.create_customer(s, name="[@click=x]Eve[/]", email="EVE@example.com")
    engine.dispose()
    plan = run(db_path, "merge", "1", "2", stdin="n\n")
    assert "#1 [b]Eve[/b]" in plan.output and "[@click=x]Eve[/]" in plan.output
    assert "[b]Eve[/b]" in run(db_path, "duplicates", "--min-score", "0").output
