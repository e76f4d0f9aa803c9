"""The bulk-edit dialog: what to do to the marked customers (tag, untag, owner, stage, archive, unarchive).

It only chooses and checks the change (with the core's `clean_change`, no database needed) and dismisses with
it; the Customers page then asks the one confirmation and runs the edit in a worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from deskapp.tui.dialogs.forms import FormField, FormScreen
from deskapp.tui.text import plural, words

if TYPE_CHECKING:
    from deskapp.core.history import BulkChange

ACTIONS = (
    ("Add a tag", "tag"),
    ("Remove a tag", "untag"),
    ("Set the owner", "owner"),
    ("Change the stage", "stage"),
    ("Archive", "archive"),
    ("Unarchive", "unarchive"),
)
# Which fields each action asks for, and what the free-text value is called.
SHOWN = {
    "tag": ("value",),
    "untag": ("value",),
    "owner": ("value",),
    "stage": ("stage", "reason", "churn_reason"),
    "archive": (),
    "unarchive": (),
}
VALUE_LABEL = {"tag": "Tag", "untag": "Tag", "owner": "Owner"}
VALUE_HINT = {"tag": "e.g. vip (commas: several)", "untag": "e.g. vip (commas: several)", "owner": "login, e.g. anna"}


class BulkForm(FormScreen):
    """Dismisses with a validated `BulkChange`, or None when cancelled."""

    TITLE = "Bulk edit"

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        yield Static(Text(f"{plural(self.count, 'customer')} marked", style="bold"), classes="form-context")

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import ChurnReason, Stage

        return (
            FormField("action", "Do", "select", value="tag", options=ACTIONS),
            FormField("value", "Tag", placeholder=VALUE_HINT["tag"]),
            FormField(
                "stage", "New stage", "select", value="retention", options=tuple((words(s), s.value) for s in Stage)
            ),
            FormField("reason", "Why", placeholder="bulk edit"),
            FormField(
                "churn_reason",
                "Churn reason",
                "select_blank",
                options=tuple((words(r.value), r.value) for r in ChurnReason),
            ),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self._show_fields()

    @on(Select.Changed, "#input-action")
    @on(Select.Changed, "#input-stage")
    def _show_fields(self) -> None:
        action = str(self.query_one("#input-action", Select).value)
        shown = SHOWN.get(action, ())
        for name in ("value", "stage", "reason", "churn_reason"):
            visible = name in shown
            if name == "churn_reason":
                visible = visible and self.query_one("#input-stage", Select).value == "churned"
            self.query_one(f"#field-{name}").display = visible
        if action in VALUE_LABEL:
            self.query_one("#field-value .field-label", Label).update(VALUE_LABEL[action])
            self.query_one("#input-value", Input).placeholder = VALUE_HINT[action]

    def change(self, values: dict[str, Any]) -> BulkChange:
        """The change the form describes (ValidationFailed when it can't be made)."""
        from deskapp.core.history import clean_change

        action = values["action"]
        if action == "stage":
            churn = values["churn_reason"] if values["stage"] == "churned" else None
            return clean_change(action, values["stage"], reason=values["reason"], churn_reason=churn)
        return clean_change(action, values["value"] if action in VALUE_LABEL else None)

    def action_save(self) -> None:
        """Checked here and now: nothing is written until the page's confirmation."""
        from deskapp.core.records import ValidationFailed

        self._clear_errors()
        try:
            change = self.change(self.values())
        except ValidationFailed as exc:
            self.show_errors(exc.errors)
            return
        self.dismiss(change)
