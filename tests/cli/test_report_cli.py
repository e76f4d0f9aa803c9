"""`deskapp report ...`: JSON figures match the hand-worked desk, tables render, CDNOW reproduces the papers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from deskapp.cli import app
from deskapp.core.activity.service import log_interaction, record_purchase
from deskapp.core.customers.lifecycle import change_stage
from deskapp.core.customers.service import create_customer
from deskapp.core.db.engine import open_engine, session_scope
from tests.conftest import copy_of_template, ident
from tests.data.cdnow.build import PUBLISHED_BGNBD, PUBLISHED_GAMMA_GAMMA, write_purchase_csv

runner = CliRunner()
PERIOD = ["--from", "2026-01-01", "--to", "2026-06-30"]


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path: Path, frozen_now: datetime, desk_template: Path) -> list[str]:
    """The retention desk of the metrics tests (S = 3, E = 3, N = 1, two lost) plus three NPS answers."""
    db = tmp_path / "desk.db"
    engine = copy_of_template(desk_template, db)
    with session_scope(engine, staff="anna", write=True) as s:
        ids = {
            n: ident(create_customer(s, name=n, source=src))
            for n, src in zip("ABCDE", ["web"] * 3 + ["fair"] * 2, strict=True)
        }
        for name, when in (("A", at(2025, 5, 1)), ("B", at(2025, 6, 1)), ("C", at(2025, 7, 1))):
            record_purchase(s, ids[name], amount="100", ordered_at=when)
        record_purchase(s, ids["D"], amount="100", ordered_at=at(2026, 2, 1))
        record_purchase(s, ids["E"], amount="100", ordered_at=at(2025, 8, 1))
        change_stage(s, ids["B"], "churned", reason="x", churn_reason="price", at=at(2026, 3, 1))
        change_stage(s, ids["C"], "churned", reason="x", churn_reason="quality", at=at(2025, 12, 1))
        change_stage(s, ids["E"], "churned", reason="x", churn_reason="competitor", at=at(2026, 2, 1))
        record_purchase(s, ids["E"], amount="100", ordered_at=at(2026, 4, 1))
        for name, score in (("A", 10), ("D", 9), ("E", 4)):
            log_interaction(s, ids[name], channel="call", summary="NPS", score=score, occurred_at=at(2026, 5, 5))
    engine.dispose()
    return ["--db", str(db)]


def run_json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_retention_json(desk: list[str]) -> None:
    data = run_json([*desk, "report", "retention", *PERIOD, "--json"])
    r = data["retention"]
    assert (r["at_start"], r["at_end"], r["new"]) == (3, 3, 1)
    assert r["rate"] == pytest.approx(200 / 3)
    assert r["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    assert len(data["by_month"]) == 6
    assert data["purchase_interval"]["repeat_customers"] == 1  # E: 2025-08-01 -> 2026-04-01


def test_churn_json(desk: list[str]) -> None:
    data = run_json([*desk, "report", "churn", *PERIOD, "--json"])
    assert (data["churn"]["at_start"], data["churn"]["lost"]) == (3, 2)
    assert data["churn"]["rate"] == pytest.approx(2 / 3)
    reasons = {r["reason"]: r["customers"] for r in data["reasons"]}
    assert reasons == {"price": 1, "competitor": 1, "quality": 0, "not_cared_for": 0, "no_longer_needed": 0, "other": 0}


def test_nps_json(desk: list[str]) -> None:
    data = run_json([*desk, "report", "nps", *PERIOD, "--json"])
    assert (data["nps"]["promoters"], data["nps"]["detractors"], data["nps"]["respondents"]) == (2, 1, 3)
    assert data["nps"]["score"] == pytest.approx(100 / 3)
    may = data["by_month"][4]
    assert may["period"]["from"] == "2026-05-01" and may["respondents"] == 3


def test_funnel_and_segments_json(desk: list[str]) -> None:
    data = run_json([*desk, "report", "funnel", "--json"])
    steps = {s["stage"]: s for s in data["steps"]}
    assert steps["awareness"]["reached"] == 5 and steps["purchase"]["reached"] == 5
    assert data["churned"] == 2
    seg = run_json([*desk, "report", "segments", "--by", "source", *PERIOD, "--json"])
    web = next(s for s in seg["segments"] if s["value"] == "web")
    assert (web["at_start"], web["at_end"], web["lost"], web["clv_per_buyer"]) == (2, 1, 1, 30.0)


def test_clv_json_on_a_small_desk(desk: list[str]) -> None:
    data = run_json([*desk, "report", "clv", *PERIOD, "--json"])
    simple = data["simple"]
    assert simple["aov"] == 100.0  # D in February, E in April
    assert simple["orders"]["orders"] == 2 and simple["churn"]["lost"] == 2
    assert data["historical_top"][0]["margin"] == 60.0  # E: two orders of 100 at 30%
    # Five customers: the fit would converge to nonsense (r in the tens of thousands); it is refused instead,
    # with the same words the Reports page uses.
    assert data["model"] is None and data["problem"].startswith("not enough history yet: ")


def test_at_risk_and_health_json(desk: list[str]) -> None:
    data = run_json([*desk, "report", "at-risk", "--no-model", "--json"])
    assert data["total"] == len(data["customers"]) and data["notes"] == []
    health = run_json([*desk, "report", "health", "--json"])
    assert health and {p["name"] for p in health[0]["parts"]} == {"recency", "complaints", "feedback", "contact"}
    assert [h["score"] for h in health] == sorted(h["score"] for h in health)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["funnel"], "Funnel"),
        (["retention", *PERIOD], "Retention 2026-01-01 - 2026-06-30"),
        (["churn", *PERIOD], "2 of 3 customers lost"),
        (["nps", *PERIOD], "whole period"),
        (["segments", "--by", "tag", *PERIOD], "(none)"),
        (["at-risk", "--no-model"], ""),
        (["health"], "Health"),
        (["clv", *PERIOD], "Simple CLV"),
        (["owners"], "Owner changes"),
    ],
)
def test_tables_render(desk: list[str], command: list[str], expected: str) -> None:
    result = runner.invoke(app, [*desk, "report", *command])
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_owner_changes_json(desk: list[str]) -> None:
    from deskapp.core.customers.service import update_customer

    engine = open_engine(desk[1])
    with session_scope(engine, staff="anna", write=True) as s:
        update_customer(s, 1, owner="bence")
        update_customer(s, 1, owner="thabo")
    engine.dispose()
    rows = run_json([*desk, "report", "owners", "--json"])
    assert [(r["customer_id"], r["owner"], r["changes"]) for r in rows] == [(1, "thabo", 2)]


def test_bad_dates_are_one_line_errors(desk: list[str]) -> None:
    result = runner.invoke(app, [*desk, "report", "churn", "--from", "yesterday"])
    assert result.exit_code == 2 and "--from 'yesterday' is not a date" in result.output
    result = runner.invoke(app, [*desk, "report", "churn", "--from", "2026-05-01", "--to", "2026-01-01"])
    assert result.exit_code == 2 and "before it starts" in result.output
    result = runner.invoke(app, [*desk, "report", "segments", "--by", "colour"])
    assert result.exit_code == 2 and "--by must be one of" in result.output


def test_clv_json_reproduces_the_published_cdnow_figures(tmp_path: Path) -> None:
    """The issue's acceptance check: BG/NBD and Gamma-Gamma on the CDNOW sample, calibrated to 1997-09-30."""
    db = tmp_path / "cdnow.db"
    log = write_purchase_csv(tmp_path / "cdnow_purchases.csv")
    imported = run_json(["--db", str(db), "import", "purchases", str(log), "--create-missing", "--json"])
    assert (imported["committed"], imported["inserted"], imported["customers_created"]) == (True, 6919, 2357)
    data = run_json(["--db", str(db), "report", "clv", "--json", "--as-of", "1997-09-30"])
    model = data["model"]
    assert model["as_of"] == "1997-09-30" and model["time_unit"] == "weeks" and model["customers"] == 2357
    for name, published in PUBLISHED_BGNBD.items():
        assert model["bgnbd"][name] == pytest.approx(published, rel=0.01), name
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert model["gamma_gamma"][name] == pytest.approx(published, rel=0.01), name
    assert model["gamma_gamma"]["customers"] == 946
    assert model["predictions_from"].startswith("modified BG/NBD")
    for name, reference in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():  # BTYDplus' own fit
        assert model["mbgnbd"][name] == pytest.approx(reference, rel=0.01), name
    top = run_json(["--db", str(db), "report", "clv", "--json", "--as-of", "1997-09-30", "--top", "2357"])
    alive = {row["customer_id"]: row["p_alive"] for row in top["model"]["top"]}
    assert len(alive) == 2357 and all(0.0 <= p <= 1.0 for p in alive.values())
