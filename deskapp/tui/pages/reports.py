"""Reports: the business's figures as bar charts in the terminal (funnel, retention by month, churn reasons,
NPS over time, predicted-CLV distribution) under one line of headline figures.

Everything is computed in one worker after the page shows (fitting the CLV model can take a second); until
then each chart says "computing…". A desk too small for the model gets a calm line instead of the chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import cell, words
from deskapp.tui.widgets.rows import STAGE_STYLE

if TYPE_CHECKING:
    from deskapp.core.analytics import (
        ClvBucket,
        Funnel,
        NpsFigures,
        ReasonCount,
        ReportsBoard,
        RetentionFigures,
    )
    from deskapp.core.db import DeskSession

BAR_WIDTH = 20
LABEL_WIDTH = 17
EIGHTHS = " ▏▎▍▌▋▊▉"
COMPUTING = Text("computing…", style="dim italic")
CHARTS = (
    ("funnel", "Funnel: customers per stage · conversion to the next"),
    ("churn-reasons", "Churn reasons (last 12 months)"),
    ("clv", "Predicted CLV, next 365 days: customers per band"),
    ("at-risk", "At risk: silent well past their own rhythm"),
    ("retention", "Retention by month (E − N) / S: marked churn only"),
    ("nps", "NPS by month"),
    ("lapsed", "Lapsed: counted out of retention"),
    ("attention", "Needs attention: lowest health first"),
)
LEFT = 4  # charts in the left column


def bar(value: float, largest: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of block characters (eighths for the last cell), `width` cells for `largest`."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = round(min(value, largest) / largest * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[rest] if rest else "")


def _row(chart: Text, label: Text | str, value: float, largest: float, figure: str, style: str = "") -> None:
    chart.append_text(label if isinstance(label, Text) else Text(f"{label:<{LABEL_WIDTH}}"))
    chart.append(f"{bar(value, largest):<{BAR_WIDTH}}", style=style or "cyan")
    chart.append(f" {figure}\n")


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"


def _money(value: Any) -> str:
    return "–" if value is None else f"{float(value):,.2f}"


def _retention(r: RetentionFigures) -> str:
    if r.rate is None:
        return "–"
    return f"{r.rate:.1f}%" + (f" ({r.lapsed} lapsed counted out)" if r.lapsed else "")


def figures_line(data: ReportsBoard) -> Text:
    s = data.simple
    line = Text()
    period = f"{data.period.start:%Y-%m-%d} – {data.period.end:%Y-%m-%d}"
    line.append("Last 12 months ", style="bold").append(f"({period})\n", style="dim")
    parts = (
        ("AOV", _money(s.aov)),
        ("Orders/customer/yr", "–" if s.frequency_per_year is None else f"{s.frequency_per_year:.1f}"),
        ("Churn", _pct(s.churn.rate)),
        ("Retention", _retention(data.retention)),
        ("NPS", "–" if data.nps.score is None else f"{data.nps.score:+.0f}"),
        ("Simple CLV", _money(s.value)),
    )
    for i, (label, value) in enumerate(parts):
        if i:
            line.append("  ·  ", style="dim")
        line.append(f"{label} ", style="bold").append(value)
    return line


def funnel_chart(funnel: Funnel) -> Text:
    chart = Text()
    largest = max((s.customers for s in funnel.steps), default=0)
    largest = max(largest, funnel.churned)
    for step in funnel.steps:
        to_next = f" → {_pct(step.conversion)}" if step.conversion is not None else ""
        label = Text(f"{words(step.stage):<{LABEL_WIDTH}}", style=STAGE_STYLE.get(step.stage, ""))
        _row(chart, label, step.customers, largest, f"{step.customers}{to_next}")
    _row(chart, Text(f"{'churned':<{LABEL_WIDTH}}", style="dim"), funnel.churned, largest, str(funnel.churned), "dim")
    chart.rstrip()
    return chart


def retention_chart(months: tuple[RetentionFigures, ...]) -> Text:
    chart = Text()
    for m in months:
        rate = m.rate if m.rate is not None else 0.0
        figure = "–" if m.rate is None else f"{m.rate:.1f}%  ({m.at_start}→{m.at_end})"
        _row(chart, f"{m.period.start:%b %Y}", rate, 100.0, figure)
    chart.rstrip()
    return chart or Text("No months in the period.", style="dim")


def reasons_chart(reasons: tuple[ReasonCount, ...]) -> Text:
    if not any(r.customers for r in reasons):
        return Text("Nobody was lost in the last 12 months.", style="dim")
    chart = Text()
    largest = max(r.customers for r in reasons)
    for r in reasons:
        label = cell(words(r.reason))
        label.truncate(LABEL_WIDTH - 1, pad=True)
        _row(chart, label + " ", r.customers, largest, f"{r.customers} ({_pct(r.share)})", "red")
    chart.rstrip()
    return chart


def nps_chart(months: tuple[NpsFigures, ...]) -> Text:
    if not any(m.respondents for m in months):
        return Text("No feedback scores in the last 12 months.", style="dim")
    chart = Text()
    for m in months:
        if m.score is None:
            _row(chart, f"{m.period.start:%b %Y}", 0, 100, "no answers", "dim")
            continue
        chart.append(f"{m.period.start:%b %Y}".ljust(LABEL_WIDTH))
        chart.append_text(diverging_bar(m.score))
        chart.append(f" {m.score:+.0f}  ({m.respondents})\n")
    chart.rstrip()
    return chart


def diverging_bar(value: float, largest: float = 100.0, half: int = BAR_WIDTH // 2) -> Text:
    """A bar either side of a zero line: negative NPS to the left in red, positive to the right in green
    (a negative score drawn like a positive one read as good news)."""
    cells = round(min(abs(value), largest) / largest * half)
    if value < 0:
        return Text(" " * (half - cells)).append("█" * cells, style="red").append("│" + " " * half, style="dim")
    out = Text(" " * half).append("│", style="dim").append("█" * cells, style="green")
    return out.append(" " * (half - cells))


def _more(shown: int, total: int) -> str:
    return f"\n… and {total - shown} more (deskapp report {{}})" if total > shown else ""


def at_risk_list(data: ReportsBoard) -> Text:
    if not data.at_risk:
        return Text("Nobody is silent well past their own rhythm.", style="dim")
    out = Text()
    for c in data.at_risk:
        alive = "" if c.p_alive is None else f" · P(alive) {c.p_alive:.0%}"
        out.append_text(cell(c.name, "yellow")).append(f"{alive}\n  {c.reason}\n", style="")
    out.append(_more(len(data.at_risk), data.at_risk_total).format("at-risk"), style="dim")
    out.rstrip()
    return out


def lapsed_list(data: ReportsBoard) -> Text:
    if not data.lapsed:
        return Text("Nobody has lapsed.", style="dim")
    out = Text()
    for c in data.lapsed:
        out.append_text(cell(c.name)).append(f"\n  {c.reason}\n", style="dim")
    out.append(_more(len(data.lapsed), data.lapsed_total).format("retention"), style="dim")
    out.append("\nMark one churned from their page (s), with the reason.", style="dim italic")
    return out


def attention_list(data: ReportsBoard) -> Text:
    if not data.attention:
        return Text("No active customers yet.", style="dim")
    out = Text()
    for h in data.attention:
        parts = " · ".join(f"{p.name} {p.score:.0f}" for p in h.parts if p.score is not None)
        out.append(f"{h.score:>3} ", style="bold").append_text(cell(h.name)).append(f"  {parts}\n", style="dim")
    out.rstrip()
    return out


def clv_chart(buckets: tuple[ClvBucket, ...], problem: str | None) -> Text:
    if problem is not None or not buckets:
        text = Text("Not enough purchase history to predict customer value yet.\n", style="dim")
        if problem:
            text.append(problem, style="dim italic")
        return text
    chart = Text()
    largest = max(b.customers for b in buckets)
    for i, b in enumerate(buckets):
        band = f"{b.low:>5,.0f}+" if i == len(buckets) - 1 else f"{b.low:>5,.0f}–{b.high:,.0f}"
        _row(chart, band, b.customers, largest, str(b.customers))
    chart.rstrip()
    return chart


class ReportsScreen(DeskScreen):
    SECTION = "reports"
    TITLE = "Reports"
    CSS_PATH = "reports.tcss"
    AUTO_FOCUS = ""

    def compose_body(self) -> Iterable[Widget]:
        yield Static(COMPUTING, id="report-figures")
        with Horizontal(id="report-charts"):
            with Vertical(id="report-left"):
                for chart_id, title in CHARTS[:LEFT]:
                    yield self._chart(chart_id, title)
            with Vertical(id="report-right"):
                for chart_id, title in CHARTS[LEFT:]:
                    yield self._chart(chart_id, title)

    @staticmethod
    def _chart(chart_id: str, title: str) -> Static:
        chart = Static(COMPUTING, id=chart_id, classes="boxed chart")
        chart.border_title = title
        return chart

    def fetch(self, session: DeskSession, params: Any) -> ReportsBoard:
        from deskapp.core import analytics

        return analytics.reports_board(session)

    def show(self, data: ReportsBoard) -> None:
        self.query_one("#report-figures", Static).update(figures_line(data))
        self.query_one("#funnel", Static).update(funnel_chart(data.funnel))
        self.query_one("#retention", Static).update(retention_chart(data.retention_months))
        self.query_one("#churn-reasons", Static).update(reasons_chart(data.reasons))
        self.query_one("#nps", Static).update(nps_chart(data.nps_months))
        self.query_one("#clv", Static).update(clv_chart(data.clv, data.clv_problem))
        self.query_one("#at-risk", Static).update(at_risk_list(data))
        self.query_one("#lapsed", Static).update(lapsed_list(data))
        self.query_one("#attention", Static).update(attention_list(data))
