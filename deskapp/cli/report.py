"""`deskapp report ...`: the business's figures as tables or JSON (funnel, retention, CLV, churn, NPS,
segments, at-risk, health).

Thin: each command turns options into a period, calls one core function and renders the frozen dataclasses
it returns. JSON is built from the same dataclasses (dates ISO, money as numbers), so scripts and the
tables never disagree.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import typer

from deskapp.cli.common import console, desk, fail, handle_errors, print_json

app = typer.Typer(
    help="Figures: funnel, retention, CLV, churn, NPS, segments, at-risk customers.", no_args_is_help=True
)

FROM = typer.Option(None, "--from", help="First day of the period (YYYY-MM-DD; default: a year before --to).")
TO = typer.Option(None, "--to", help="Last day of the period (YYYY-MM-DD; default: today).")
JSON = typer.Option(False, "--json", help="Print JSON for scripts.")


def _day(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} {value!r} is not a date (use YYYY-MM-DD)")
    return None


def _period(start: str | None, end: str | None) -> Any:
    from deskapp.core.analytics import period_between

    try:
        return period_between(_day(start, "--from"), _day(end, "--to"))
    except ValueError as exc:
        fail(str(exc))


def plain(value: Any) -> Any:
    """A report value as JSON-ready data: dataclasses to dicts, dates ISO, money and numpy to numbers."""
    from deskapp.core.analytics import Period

    if isinstance(value, Period):
        return value.to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.repr}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return value


def _fmt(value: Any, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{suffix}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}{suffix}"
    return f"{value}{suffix}"


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def _table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(*headers, title=title, title_justify="left")
    for row in rows:
        table.add_row(*(Text(str(cell)) for cell in row))
    console.print(table)


def _session(ctx: typer.Context) -> Any:
    state = desk(ctx)
    return state.session(state.engine())


def _settings(session: Any) -> Any:
    from deskapp.core.records import load_settings

    return load_settings(session)


@app.command()
@handle_errors
def funnel(ctx: typer.Context, start: str = FROM, end: str = TO, as_json: bool = JSON) -> None:
    """Customers per stage, conversion to the next stage, median days in each (cohort: entered in the period)."""
    from deskapp.core.analytics import funnel as compute

    period = _period(start, end) if start or end else None
    with _session(ctx) as session:
        result = compute(session, period)
    if as_json:
        print_json(plain(result))
        return
    rows = [
        [s.stage, s.customers, s.reached, _pct(s.conversion), _fmt(s.median_days, 1), s.stays] for s in result.steps
    ]
    rows.append(["churned", result.churned, result.churned_ever, "", "", ""])
    _table("Funnel", ["stage", "now", "reached", "to next", "median days", "stays"], rows)


@app.command()
@handle_errors
def retention(ctx: typer.Context, start: str = FROM, end: str = TO, as_json: bool = JSON) -> None:
    """Retention (E - N) / S over the period and month by month, with the typical purchase interval."""
    from deskapp.core.analytics import lapsed_customers, purchase_interval, retention_by_month, retention_rate

    period = _period(start, end)
    with _session(ctx) as session:
        overall = retention_rate(session, period)
        months = retention_by_month(session, period)
        interval = purchase_interval(session)
        counted = set(overall.lapsed_ids)
        settings = _settings(session)
        lapsed = [c for c in lapsed_customers(session, settings, period.end) if c.customer_id in counted]
    if as_json:
        print_json(
            {
                "retention": plain(overall),
                "lapsed": plain(lapsed),
                "by_month": plain(months),
                "purchase_interval": plain(interval),
            }
        )
        return
    rows = [
        [f"{m.period.start} - {m.period.end}", m.at_start, m.at_end, m.new, "", _fmt(m.rate, 1, "%")] for m in months
    ]
    rows.append(
        ["whole period", overall.at_start, overall.at_end, overall.new, overall.lapsed, _fmt(overall.rate, 1, "%")]
    )
    _table(
        f"Retention {period.start} - {period.end}",
        ["period", "S (start)", "E (end)", "N (new)", "lapsed", "rate"],
        rows,
    )
    if lapsed:
        console.print(
            f"Counted lapsed, so not kept (silent past {settings.lapsed_cycles:g} of their purchase cycles; "
            f"nobody marked them churned): {len(lapsed)}"
        )
        _table(
            "Lapsed",
            ["customer", "last purchase", "why"],
            [[c.name, c.last_purchase.isoformat(), c.reason] for c in lapsed],
        )
    if interval.typical_days is not None:
        console.print(
            f"Typical purchase interval: {interval.typical_days:.1f} days over {interval.repeat_customers} repeat "
            f"customers; measure retention over at least {interval.measuring_days} days ({interval.cycles} cycles)."
        )


@app.command()
@handle_errors
def clv(
    ctx: typer.Context,
    start: str = FROM,
    end: str = TO,
    as_of: str = typer.Option(None, "--as-of", help="End of the model's calibration period (default: --to or today)."),
    horizon: int = typer.Option(365, "--horizon", min=1, help="Days ahead the predicted CLV covers."),
    top: int = typer.Option(
        10, "--top", min=0, max=1_000_000, help="Customers listed by predicted CLV (with P(alive))."
    ),
    as_json: bool = JSON,
) -> None:
    """Simple CLV, historical CLV, and predicted CLV from the modified BG/NBD + Gamma-Gamma (weeks)."""
    from deskapp.core.analytics import ModelUnavailable, fit_clv_model, historical_clv, simple_clv

    period = _period(start, end)
    calibration_end = _day(as_of, "--as-of") or period.end
    with _session(ctx) as session:
        settings = _settings(session)
        simple = simple_clv(session, period, settings)
        best = historical_clv(session, settings, limit=top)
        margin_rate = simple.margin_rate if simple.margin_rate is not None else float(settings.default_margin)
        try:
            model: Any = fit_clv_model(session, calibration_end, horizon_days=horizon, margin_rate=margin_rate)
            problem = None
        except ModelUnavailable as exc:
            model, problem = None, str(exc)
    model_json: dict[str, Any] | None = None
    if model is not None:
        model_json = {
            "as_of": calibration_end.isoformat(),
            "time_unit": "weeks",
            "customers": len(model.log),
            "predictions_from": "modified BG/NBD (Batislam et al. 2007)",
            "mbgnbd": plain(model.mbgnbd),
            "bgnbd": plain(model.bgnbd),
            "gamma_gamma": plain(model.gamma_gamma),
            "horizon_days": horizon,
            "margin_rate": margin_rate,
            "top": plain(model.top(top)),
            "distribution": plain(model.distribution()),
        }
    if as_json:
        print_json({"simple": plain(simple), "historical_top": plain(best), "model": model_json, "problem": problem})
        return
    _table(
        f"Simple CLV {period.start} - {period.end}",
        ["AOV", "orders/yr", "margin", "yearly churn", "lifetime (yr)", "CLV"],
        [
            [
                _fmt(simple.aov),
                _fmt(simple.frequency_per_year),
                _pct(simple.margin_rate),
                _pct(simple.yearly_churn),
                _fmt(simple.expected_lifetime_years, 1),
                _fmt(simple.value),
            ]
        ],
    )
    if model is None:
        console.print(f"No predicted CLV: {problem}")
        return
    bg, mbg, gg = model.bgnbd, model.mbgnbd, model.gamma_gamma
    console.print(
        f"Modified BG/NBD (weeks, as of {calibration_end}; the figures below): r={mbg.r:.3f} alpha={mbg.alpha:.3f}"
        f" a={mbg.a:.3f} b={mbg.b:.3f}"
        + (f"   Gamma-Gamma: p={gg.p:.2f} q={gg.q:.2f} gamma={gg.gamma:.2f}" if gg else "")
    )
    console.print(f"BG/NBD for reference: r={bg.r:.3f} alpha={bg.alpha:.3f} a={bg.a:.3f} b={bg.b:.3f}", style="dim")
    names = _names(ctx, [f.customer_id for f in model.top(top)])
    _table(
        f"Predicted CLV, next {horizon} days",
        ["customer", "repeat days", "P(alive)", "exp. purchases", "exp. spend", "CLV"],
        [
            [names.get(f.customer_id, f.customer_id), f.frequency, _pct(f.p_alive), _fmt(f.expected_purchases),
             _fmt(f.expected_spend), _fmt(f.predicted_clv)]
            for f in model.top(top)
        ],
    )  # fmt: skip


def _names(ctx: typer.Context, ids: list[int]) -> dict[int, str]:
    from deskapp.core.analytics import customer_names

    with _session(ctx) as session:
        return customer_names(session, ids)


@app.command()
@handle_errors
def churn(ctx: typer.Context, start: str = FROM, end: str = TO, as_json: bool = JSON) -> None:
    """Churn rate (customers lost / customers at the start) and the reasons given."""
    from deskapp.core.analytics import churn_rate, churn_reasons

    period = _period(start, end)
    with _session(ctx) as session:
        figures = churn_rate(session, period)
        reasons = churn_reasons(session, period)
    if as_json:
        print_json({"churn": plain(figures), "reasons": plain(reasons)})
        return
    console.print(
        f"Churn {period.start} - {period.end}: {figures.lost} of {figures.at_start} customers lost "
        f"({_pct(figures.rate)}; yearly {_pct(figures.yearly_rate())}); {figures.won_back} won back"
    )
    _table("Churn reasons", ["reason", "customers", "share"], [[r.reason, r.customers, _pct(r.share)] for r in reasons])


@app.command()
@handle_errors
def nps(ctx: typer.Context, start: str = FROM, end: str = TO, as_json: bool = JSON) -> None:
    """Net Promoter Score over the period and month by month (each customer's latest answer counts)."""
    from deskapp.core.analytics import net_promoter_score, nps_by_month

    period = _period(start, end)
    with _session(ctx) as session:
        overall = net_promoter_score(session, period)
        months = nps_by_month(session, period)
    if as_json:
        print_json({"nps": plain(overall), "by_month": plain(months)})
        return
    rows = [
        [f"{m.period.start} - {m.period.end}", m.respondents, m.promoters, m.passives, m.detractors, _fmt(m.score, 0)]
        for m in (*months, overall)
    ]
    rows[-1][0] = "whole period"
    _table("NPS", ["period", "answers", "promoters", "passives", "detractors", "NPS"], rows)


@app.command()
@handle_errors
def segments(
    ctx: typer.Context,
    by: str = typer.Option("source", "--by", help="source, tag or owner."),
    start: str = FROM,
    end: str = TO,
    as_json: bool = JSON,
) -> None:
    """Retention, churn and customer value by acquisition source, tag or owner."""
    from deskapp.core.analytics import DIMENSIONS
    from deskapp.core.analytics import segments as compute

    if by not in DIMENSIONS:
        fail(f"--by must be one of {', '.join(DIMENSIONS)}, not {by!r}")
    period = _period(start, end)
    with _session(ctx) as session:
        rows = compute(session, period, _settings(session), by)
    if as_json:
        print_json({"period": period.to_json(), "by": by, "segments": plain(rows)})
        return
    _table(
        f"By {by}, {period.start} - {period.end}",
        [by, "customers", "buyers", "S", "E", "N", "retention", "lost", "churn", "margin", "CLV/buyer"],
        [
            [s.value, s.customers, s.buyers, s.at_start, s.at_end, s.new, _fmt(s.retention_rate, 1, "%"), s.lost,
             _pct(s.churn_rate), _fmt(s.margin), _fmt(s.clv_per_buyer)]
            for s in rows
        ],
    )  # fmt: skip


@app.command(name="at-risk")
@handle_errors
def at_risk(
    ctx: typer.Context,
    model: bool = typer.Option(True, "--model/--no-model", help="Also use the BG/NBD probability of being alive."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="At most this many customers."),
    as_json: bool = JSON,
) -> None:
    """Customers whose silence is well past their usual purchase interval (or unlikely still to buy)."""
    from deskapp.core.analytics import at_risk_customers

    with _session(ctx) as session:
        found, notes = at_risk_customers(session, use_model=model)
    if as_json:
        print_json({"customers": plain(found[:limit]), "total": len(found), "notes": list(notes)})
        return
    for note in notes:
        console.print(note, style="dim", markup=False)
    if not found:
        console.print("Nobody is at risk.")
        return
    _table(
        f"At risk ({len(found)})",
        ["id", "customer", "owner", "last purchase", "silent days", "usual", "P(alive)", "flagged", "why"],
        [
            [c.customer_id, c.name, c.owner, c.last_purchase, c.silence_days, _fmt(c.usual_interval_days, 0),
             _pct(c.p_alive), "yes" if c.flagged else "no", c.reason]
            for c in found[:limit]
        ],
    )  # fmt: skip


@app.command()
@handle_errors
def health(
    ctx: typer.Context,
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="At most this many customers."),
    as_json: bool = JSON,
) -> None:
    """Customers by health score, lowest first: who needs attention first."""
    from deskapp.core.analytics import attention_list

    with _session(ctx) as session:
        scores = attention_list(session, _settings(session), limit=limit)
    if as_json:
        print_json(plain(scores))
        return
    _table(
        "Health (lowest first)",
        ["id", "customer", "score", *[p.name for p in scores[0].parts]] if scores else ["id", "customer", "score"],
        [[h.customer_id, h.name, h.score, *[_fmt(p.score, 0) for p in h.parts]] for h in scores],
    )


@app.command()
@handle_errors
def owners(
    ctx: typer.Context,
    start: str = FROM,
    end: str = TO,
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="At most this many customers."),
    as_json: bool = JSON,
) -> None:
    """Customers whose owner changed most often: rotating staff breaks the relationship."""
    from deskapp.core.analytics import owner_changes

    period = _period(start, end) if start or end else None
    with _session(ctx) as session:
        rows = owner_changes(session, period, limit=limit)
    if as_json:
        print_json(plain(rows))
        return
    _table(
        "Owner changes",
        ["id", "customer", "owner now", "changes", "last change"],
        [[r.customer_id, r.name, r.owner, r.changes, r.last_change_at.date()] for r in rows],
    )
