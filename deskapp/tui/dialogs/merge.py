"""Merging two customers, side by side: every field in a row, the two customers' values in two columns, and
what the survivor will hold.

The plan comes from the core (`duplicate_pairs.merge_preview` -> `merge.plan_merge`): its default for each
field is shown until someone picks a side (left/right or 1/2 on the field's row). `s` swaps who survives,
which asks the core for a new plan (the defaults and what moves depend on who is kept); picks stay with the
customer whose value was chosen. Enter merges in a worker with the picks; the screen then closes with a
`MergeDone` the Duplicates page turns into a notification and an undo key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static

from deskapp.tui.data import describe_error
from deskapp.tui.text import cell, one_line, plural

if TYPE_CHECKING:
    from deskapp.core.hygiene import FieldChoice, MergePreview, MergeResult
    from deskapp.tui.app import DeskApp

LABELS = {
    "name": "Name",
    "company": "Company",
    "email": "E-mail",
    "phone": "Phone",
    "tags": "Tags",
    "source": "Source",
    "owner": "Owner",
    "stage": "Stage",
    "cadence_days": "Check in every",
    "birthday": "Birthday",
    "special_dates": "Special days",
    "notes": "Notes",
    "external_id": "External id",
}
TAKEN = Text("◀ ", style="bold green")  # before the value the survivor will hold
VALUE_WIDTH = 29


def shown(field: str, value: Any) -> str:
    """A stored value as one line of plain text (never markup)."""
    if value is None or value == "":
        return ""
    if isinstance(value, Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, date):
        return value.isoformat()
    if field == "special_dates" and isinstance(value, str):
        try:
            items = json.loads(value)
            return ", ".join(f"{d.get('label', '')} {d.get('date', '')}".strip() for d in items)
        except (ValueError, TypeError, AttributeError):
            pass
    if field == "tags" and isinstance(value, str):
        from deskapp.core.records import tag_list

        return ", ".join(tag_list(value))
    if field == "cadence_days":
        return f"{value} days"
    return one_line(value)


def moved_text(moves: dict[str, int]) -> str:
    """{"interaction": 3, "follow_up": 1} -> "3 interactions, 1 follow up"."""
    parts = [plural(n, table.replace("_", " ")) for table, n in moves.items() if n]
    return ", ".join(parts) or "no history"


@dataclass(frozen=True)
class MergeDone:
    merge_id: int
    survivor_id: int
    other_id: int
    survivor_name: str
    other_name: str
    moved: dict[str, int]

    def __str__(self) -> str:
        return (
            f"Merged #{self.other_id} {one_line(self.other_name)} into #{self.survivor_id} "
            f"{one_line(self.survivor_name)}; moved {moved_text(self.moved)}. "
            f"Undo: u on the Duplicates page, or deskapp merge --undo {self.merge_id}"
        )


class MergeScreen(ModalScreen["MergeDone | None"]):
    """Two customers side by side. `first_id` is shown on the left, `second_id` on the right, whoever
    survives; `keep` (default: the core's choice, the older customer) survives."""

    CSS_PATH = ["forms.tcss", "../pages/duplicates.tcss"]
    AUTO_FOCUS = "#merge-fields"
    BINDINGS = [
        Binding("left,1", "pick('left')", "Take left", id="merge.left", priority=True),
        Binding("right,2", "pick('right')", "Take right", id="merge.right", priority=True),
        Binding("d", "pick_default", "Default", id="merge.default"),
        Binding("s", "swap", "Swap who is kept", id="merge.swap"),
        Binding("enter,ctrl+s", "merge", "Merge", id="merge.merge", priority=True),
        Binding("escape", "cancel", "Cancel", id="merge.cancel"),
    ]

    class Planned(Message, bubble=False):
        def __init__(self, preview: MergePreview | None, error: str = "") -> None:
            self.preview, self.error = preview, error
            super().__init__()

    class Merged(Message, bubble=False):
        def __init__(self, done: MergeDone | None, error: str = "") -> None:
            self.done, self.error = done, error
            super().__init__()

    def __init__(self, first_id: int, second_id: int, *, keep: int | None = None) -> None:
        super().__init__()
        self.first_id, self.second_id = first_id, second_id
        self.keep = keep
        self.preview: MergePreview | None = None
        self.picks: dict[str, int] = {}  # field -> the id of the customer whose value is taken
        self._busy = False

    @property
    def desk_app(self) -> DeskApp:
        return cast("DeskApp", self.app)  # every screen here runs inside the desk app

    # --- layout -------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="form merge") as box:
            box.border_title = "Merge two customers"
            yield Static(Text("Comparing…", style="dim"), id="merge-head")
            yield DataTable(id="merge-fields", cursor_type="row", zebra_stripes=True)
            yield Static("", id="merge-moves")
            yield Static("", classes="form-error", id="merge-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.plan()

    # --- the plan -----------------------------------------------------------------------------------------

    def plan(self) -> None:
        self._busy = True
        first, second, keep = self.first_id, self.second_id, self.keep

        def run() -> None:
            from deskapp.core.hygiene import merge_preview

            try:
                with self.desk_app.desk.read() as session:
                    preview = merge_preview(session, first, second, keep=keep)
            except Exception as exc:
                self.app.log.error(f"planning the merge failed: {exc!r}")
                self.post_message(self.Planned(None, describe_error(exc, "comparing the two customers")))
            else:
                self.post_message(self.Planned(preview))

        self.run_worker(run, thread=True, exclusive=True, group="plan", exit_on_error=False, description="plan merge")

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        self._busy = False
        if message.preview is None:
            self._error(message.error)
            return
        self.preview = message.preview
        self.keep = message.preview.plan.survivor_id
        self.show_plan()

    def survivor_id(self) -> int | None:
        return self.preview.plan.survivor_id if self.preview else None

    def choice(self, field: str) -> FieldChoice:
        assert self.preview is not None
        return next(f for f in self.preview.plan.fields if f.field == field)

    def values(self, choice: FieldChoice) -> tuple[Any, Any]:
        """(left value, right value) of one field."""
        if self.survivor_id() == self.first_id:
            return choice.survivor, choice.other
        return choice.other, choice.survivor

    def taken(self, choice: FieldChoice) -> tuple[str, Any]:
        """(left | right | both | same, the value the survivor will hold) for one field."""
        picked = self.picks.get(choice.field)
        left, right = self.values(choice)
        if picked is not None and choice.taken != "same":
            return ("left", left) if picked == self.first_id else ("right", right)
        if choice.taken in ("both", "same"):
            return choice.taken, choice.result
        survivor_left = self.survivor_id() == self.first_id
        side = "left" if (choice.taken == "survivor") == survivor_left else "right"
        return side, choice.result

    def show_plan(self) -> None:
        preview = self.preview
        assert preview is not None
        names = preview.names
        head = Text()
        head.append(f"Score {preview.score}", style="bold")
        head.append(f": {', '.join(preview.reasons) or 'nothing in common'}")
        self.query_one("#merge-head", Static).update(head)

        table = self.query_one("#merge-fields", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column(Text("Field"), width=14, key="field")
        for key, customer_id in (("left", self.first_id), ("right", self.second_id)):
            kept = customer_id == preview.plan.survivor_id
            label = Text("keep " if kept else "merge away ", style="bold green" if kept else "dim")
            label.append(f"#{customer_id} ")
            label.append(one_line(names[customer_id]))
            label.truncate(VALUE_WIDTH, overflow="ellipsis")
            table.add_column(label, width=VALUE_WIDTH, key=key)
        table.add_column(Text("Kept value"), width=VALUE_WIDTH, key="result")
        for field in LABELS:
            choice = self.choice(field)
            left, right = self.values(choice)
            side, result = self.taken(choice)
            manual = field in self.picks and choice.taken != "same"

            def value(text: Any, this_side: str, field: str = field, side: str = side) -> Text:
                if side == "same" or not shown(field, text):
                    return cell(shown(field, text), "dim")
                if side in (this_side, "both"):
                    return TAKEN + cell(shown(field, text))
                return Text("  ") + cell(shown(field, text), "dim")

            note = {"both": "  (both)", "same": ""}.get(side, "  (picked)" if manual else "")
            kept_value = cell(shown(field, result), "bold" if side != "same" else "")
            kept_value.append(note, style="dim italic")
            table.add_row(Text(LABELS[field]), value(left, "left"), value(right, "right"), kept_value, key=field)
        table.move_cursor(row=min(max(row, 0), table.row_count - 1), animate=False)

        survivor = preview.plan.survivor_id
        moves = Text()
        moves.append("On merge: ", style="bold")
        moves.append(f"#{preview.plan.other_id} ")
        moves.append(one_line(names[preview.plan.other_id]))
        moves.append(f" is removed; to #{survivor} ")
        moves.append(one_line(names[survivor]))
        moves.append(f" move {moved_text(preview.plan.moves)}.")
        self.query_one("#merge-moves", Static).update(moves)

    def _error(self, message: str) -> None:
        error = self.query_one("#merge-error", Static)
        error.update(Text(one_line(message)))
        error.display = bool(message)

    # --- keys ---------------------------------------------------------------------------------------------

    def current_field(self) -> str | None:
        table = self.query_one("#merge-fields", DataTable)
        if self.preview is None or not table.row_count:
            return None
        return list(LABELS)[table.cursor_row]

    def action_pick(self, side: str) -> None:
        field = self.current_field()
        if field is None:
            return
        self.picks[field] = self.first_id if side == "left" else self.second_id
        self.show_plan()

    def action_pick_default(self) -> None:
        field = self.current_field()
        if field is not None and self.picks.pop(field, None) is not None:
            self.show_plan()

    def action_swap(self) -> None:
        if self.preview is None or self._busy:
            return
        plan = self.preview.plan
        self.keep = plan.other_id
        self._error("")
        self.plan()

    def core_picks(self) -> dict[str, str]:
        """What was shown, as the core's picks: the plan's own side for each field, then the person's."""
        assert self.preview is not None
        plan = self.preview.plan
        picks = {f.field: f.taken for f in plan.fields if f.taken in ("survivor", "other")}
        for field, customer_id in self.picks.items():
            if self.choice(field).taken != "same":
                picks[field] = "survivor" if customer_id == plan.survivor_id else "other"
        return picks

    def action_merge(self) -> None:
        if self.preview is None or self._busy:
            return
        self._busy = True
        self._error("")
        plan, names = self.preview.plan, self.preview.names
        survivor_id, other_id, picks = plan.survivor_id, plan.other_id, self.core_picks()

        def run() -> None:
            from deskapp.core.hygiene import merge_customers

            try:
                with self.desk_app.desk.write() as session:
                    result: MergeResult = merge_customers(session, survivor_id, other_id, picks=picks)
            except Exception as exc:
                self.app.log.error(f"merging failed: {exc!r}")
                self.post_message(self.Merged(None, describe_error(exc, "merging the two customers")))
                return
            done = MergeDone(
                result.merge_id, survivor_id, other_id, names[survivor_id], names[other_id], dict(result.moved)
            )
            self.post_message(self.Merged(done))

        self.run_worker(run, thread=True, group="merge", exit_on_error=False, description="merge customers")

    @on(Merged)
    def _merged(self, message: Merged) -> None:
        self._busy = False
        if message.done is None:
            self._error(message.error)
            return
        self.dismiss(message.done)

    def action_cancel(self) -> None:
        self.dismiss(None)
