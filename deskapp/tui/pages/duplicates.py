"""Duplicates: customers that are probably one person, best match first, with why; Enter compares a pair
side by side and merges it (see merge.py); `u` undoes the last merge made here.

The pairs come from the core (`duplicates.find_duplicates`: blocking keys, then scoring), so the page, the
CLI's `deskapp duplicates` and the importer agree on who is alike. Looking at the whole desk takes a few
seconds on 100,000 customers, so while one look runs, the changes that arrive meanwhile (live refresh) ask
for one more look after it, not one each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Select, Static
from textual.worker import Worker, WorkerState

from deskapp.tui import probe
from deskapp.tui.dialogs.merge import MergeDone, MergeScreen, moved_text
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import cell, one_line, plural
from deskapp.tui.widgets.tables import DeskTable

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.hygiene import DuplicatePair, DuplicateReport, PairSide

SHOWN = 500  # pairs in the table; a desk with more has a data problem to fix at the source first
MIN_SCORES = (40, 50, 60, 70, 80, 90)
DEFAULT_MIN_SCORE = 60  # deskapp.core.hygiene.matching.DEFAULT_MIN_SCORE (the page imports the core only in workers)
COLUMNS = (  # widths + 2 cells of padding each fit 120 columns with the scrollbar
    ("Score", "score", 5),
    ("Id", "a_id", 6),
    ("Customer", "a", 20),
    ("Id", "b_id", 6),
    ("Customer", "b", 20),
    ("Why", "why", 46),
)


@dataclass(frozen=True)
class DuplicatesQuery:
    min_score: int
    archived: bool


@dataclass(frozen=True)
class DuplicatesData:
    query: DuplicatesQuery
    report: DuplicateReport


def score_style(score: int) -> str:
    return "bold red" if score >= 90 else "bold yellow" if score >= 75 else ""


def pair_row(pair: DuplicatePair) -> tuple[str, list[Text], DuplicatePair]:
    cells = [
        Text(str(pair.score), style=score_style(pair.score), justify="right"),
        Text(f"#{pair.a.id}", style="dim"),
        cell(pair.a.name),
        Text(f"#{pair.b.id}", style="dim"),
        cell(pair.b.name),
        cell(", ".join(pair.reasons)),
    ]
    return f"{pair.a.id}:{pair.b.id}", cells, pair


def side_text(side: PairSide) -> Text:
    """One customer of the pair on one line: id, name, and what identifies them."""
    text = Text(f"#{side.id} ", style="dim")
    text.append(one_line(side.name), style="bold")
    for value in (side.email, side.phone, side.company):
        if value:
            text.append(" · ")
            text.append(one_line(value))
    return text


class DuplicatesScreen(DeskScreen):
    SECTION = "duplicates"
    TITLE = "Duplicates"
    CSS_PATH = ["lists.tcss", "duplicates.tcss"]
    AUTO_FOCUS = "#duplicates"
    BINDINGS = [
        Binding("m", "merge", "Compare and merge", id="duplicates.merge"),
        Binding("a", "toggle_archived", "Archived too", id="duplicates.archived"),
        Binding("u", "undo_merge", "Undo last merge", id="duplicates.undo"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.archived = False
        self.last_merge: MergeDone | None = None  # what `u` undoes
        self._looking = False  # a look at the whole desk is running
        self._look_again = False  # something changed while it ran

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="filters"):
            yield Select(
                [(f"Score {n} or more", n) for n in MIN_SCORES],
                value=DEFAULT_MIN_SCORE,
                allow_blank=False,
                id="filter-min-score",
                compact=True,
            )
            yield Static("", id="archived-flag", classes="flag")
        yield DeskTable(id="duplicates")
        yield Static("", id="pair-left", classes="pair-side")
        yield Static("", id="pair-right", classes="pair-side")
        yield Static(Text("Looking for likely duplicates…"), id="duplicates-status", classes="status-line")

    def on_mount(self) -> None:
        table = self.query_one("#duplicates", DeskTable)
        for label, key, width in COLUMNS:
            table.add_column(label, width=width, key=key)
        self._flag()

    def params(self) -> DuplicatesQuery:
        value = self.query_one("#filter-min-score", Select).value
        score = value if isinstance(value, int) else DEFAULT_MIN_SCORE
        return DuplicatesQuery(score, self.archived)

    def reload(self) -> None:
        if self._looking:
            self._look_again = True
            return
        if probe.exiting():
            return
        self._looking = True
        super().reload()

    @on(Worker.StateChanged)
    def _looked(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "load" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self._looking = False
        if self._look_again:
            self._look_again = False
            self.reload()

    def fetch(self, session: DeskSession, params: DuplicatesQuery) -> DuplicatesData:
        from deskapp.core.hygiene import find_duplicates

        report = find_duplicates(session, min_score=params.min_score, include_archived=params.archived)
        return DuplicatesData(params, report)

    def show(self, data: DuplicatesData) -> None:
        report = data.report
        table = self.query_one("#duplicates", DeskTable)
        table.set_rows(pair_row(p) for p in report.pairs[:SHOWN])
        found = len(report.pairs)
        if found:
            shown = f"{SHOWN} of {found:,}" if found > SHOWN else f"{found:,}"
            text = Text(f"{shown} {'pair' if found == 1 else 'pairs'} at score {data.query.min_score} or more")
        else:
            text = Text(f"No likely duplicates at score {data.query.min_score} or more")
        text.append(f" among {plural(report.customers, 'customer')}")
        if found:
            text.append(" · Enter: compare side by side and merge")
        if report.skipped_blocks:
            keys = ", ".join(f"{one_line(k[2:])} ({n})" for k, n in report.skipped_blocks[:3])
            text.append(f" · not compared, shared by too many: {keys}", style="dim")
        self.query_one("#duplicates-status", Static).update(text)
        self._show_sides()
        if self.focused is None and table.row_count:
            table.focus()
        self.refresh_bindings()

    def selected_pair(self) -> DuplicatePair | None:
        model: DuplicatePair | None = self.query_one("#duplicates", DeskTable).current_model()
        return model

    @on(DataTable.RowHighlighted, "#duplicates")
    def _show_sides(self) -> None:
        pair = self.selected_pair()
        self.query_one("#pair-left", Static).update(side_text(pair.a) if pair else "")
        self.query_one("#pair-right", Static).update(side_text(pair.b) if pair else "")

    @on(Select.Changed, "#filter-min-score")
    def _filter(self) -> None:
        if self._shown_once:
            self.reload()

    def action_toggle_archived(self) -> None:
        self.archived = not self.archived
        self._flag()
        self.reload()

    def _flag(self) -> None:
        text = Text(" archived customers too ", style="reverse") if self.archived else Text("")
        self.query_one("#archived-flag", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "merge":
            return True if self.selected_pair() else None
        if action == "undo_merge":
            return True if self.last_merge else None
        return True

    # --- merging ------------------------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#duplicates")
    def _selected(self) -> None:
        self.action_merge()

    def action_merge(self) -> None:
        pair = self.selected_pair()
        if pair is not None:
            self.app.push_screen(MergeScreen(pair.a.id, pair.b.id), self._merged)

    def _merged(self, done: MergeDone | None) -> None:
        if done is None:
            return
        self.last_merge = done
        self.desk_app.note_change()
        self.notify(str(done), title="Merged", markup=False, timeout=12)
        self.reload()

    def action_undo_merge(self) -> None:
        done = self.last_merge
        if done is None:
            return

        def undo(session: DeskSession) -> str:
            from deskapp.core.hygiene import undo_merge

            result = undo_merge(session, done.merge_id)
            back = moved_text(result.moved_back)
            return (
                f"Undid merge {done.merge_id}: #{result.other_id} {one_line(done.other_name)} is back with {back}; "
                f"#{result.survivor_id} has its earlier values."
            )

        def forget(_: object) -> None:
            if self.last_merge is done:
                self.last_merge = None
            self.refresh_bindings()

        self.write("undoing the merge", undo, after=forget)
