"""Adding and editing a customer, and moving one to another stage (which always asks why).

A new customer is first looked up among the existing ones (`likely_duplicates.likely_duplicates_of`, in a
worker): when someone alike is there, a warning lists them and asks whether to open the existing one,
create anyway, or go back to the form. Nothing is created silently next to its own duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Select, Static

from deskapp.tui.dialogs.forms import FormField, FormScreen
from deskapp.tui.text import cell, clean, one_line, words

if TYPE_CHECKING:
    from deskapp.core.activity import CustomerProfile
    from deskapp.core.db import DeskSession
    from deskapp.core.hygiene import LikelyDuplicate

SHOWN_MATCHES = 5


@dataclass(frozen=True)
class CustomerSaved:
    customer_id: int
    message: str

    def __str__(self) -> str:
        return self.message


def _displayable(profile: CustomerProfile) -> CustomerProfile:
    """Stored text as the inputs may show it: control characters an import let through are dropped (and
    so are gone once saved)."""
    from dataclasses import replace

    text_fields = ("name", "company", "email", "phone", "phone_raw", "source", "owner", "notes")
    cleaned: dict[str, Any] = {name: clean(getattr(profile, name)) for name in text_fields}
    return replace(profile, tags=tuple(clean(t) for t in profile.tags), **cleaned)


class CustomerForm(FormScreen):
    """New customer (profile None) or edit one. Edits carry the version read, so a colleague's save in between
    is caught (ConflictError) instead of silently overwritten; saving again then means "mine wins"."""

    SUBMIT_ON_ENTER = False

    class Checked(Message, bubble=False):
        def __init__(self, name: str, matches: list[LikelyDuplicate]) -> None:
            self.name, self.matches = name, matches
            super().__init__()

    def __init__(self, profile: CustomerProfile | None = None) -> None:
        self.profile = profile
        self.version = profile.version if profile else None
        self.TITLE = "Edit customer" if profile else "New customer"  # type: ignore[misc]  # a ClassVar on Screen; here it depends on what is edited
        self._create_anyway = False
        super().__init__()

    # --- new customer: look for the same person first -----------------------------------------------------

    def action_save(self) -> None:
        if self.profile is not None or self._create_anyway:
            self._create_anyway = False
            super().action_save()
            return
        self._run_save(self._check_in_thread, "look for duplicates")

    def _check_in_thread(self, values: dict[str, Any]) -> None:
        from deskapp.core.hygiene import likely_duplicates_of

        try:
            with self.desk_app.desk.read() as session:
                matches = likely_duplicates_of(session, values)
        except Exception as exc:  # the check must never stop a create: the create reports real problems
            self.app.log.warning(f"looking for duplicates failed: {exc!r}")
            matches = []
        self.post_message(self.Checked(str(values.get("name") or ""), matches))

    @on(Checked)
    def _on_checked(self, message: Checked) -> None:
        self._saving = False
        if not message.matches:
            self._create_anyway = True
            self.action_save()
            return
        self.app.push_screen(DuplicateWarning(message.name, message.matches), self._warned)

    def _warned(self, answer: OpenExisting | bool | None) -> None:
        if isinstance(answer, OpenExisting):
            note = f"Opened {one_line(answer.name)} (#{answer.customer_id}), already on the desk; nothing added"
            self.dismiss(CustomerSaved(answer.customer_id, note))
        elif answer is True:
            self._create_anyway = True
            self.action_save()

    def fields(self) -> Iterable[FormField]:
        p = self.profile if self.profile is None else _displayable(self.profile)
        return (
            FormField("name", "Name", value=p.name if p else "", placeholder="required"),
            FormField("company", "Company", value=p.company if p else ""),
            FormField("email", "E-mail", value=p.email if p else ""),
            FormField("phone", "Phone", value=p.phone_raw or p.phone if p else "", placeholder="+44 20 7946 0000"),
            FormField("tags", "Tags", value=", ".join(p.tags) if p else "", placeholder="comma separated"),
            FormField("source", "Source", value=p.source if p else "", placeholder="how they heard of us"),
            FormField("owner", "Owner", value=p.owner if p else "", placeholder="login (empty: you)"),
            FormField(
                "cadence_days",
                "Check in every",
                value=str(p.cadence_days) if p and p.cadence_days else "",
                placeholder="days (empty: the stage's default)",
            ),
            FormField("birthday", "Birthday", value=p.birthday.isoformat() if p and p.birthday else ""),
            FormField("notes", "Notes", "textarea", value=p.notes if p else ""),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> CustomerSaved:
        from deskapp.core import customers
        from deskapp.core.records import ConflictError, ValidationFailed

        if self.profile is None:
            created = customers.create_customer(session, **values)
            assert created.id is not None
            return CustomerSaved(created.id, f"Added {one_line(created.name)}")
        try:
            updated = customers.update_customer(session, self.profile.id, expected_version=self.version, **values)
        except ConflictError as exc:
            self.version = exc.current.get("version")
            raise ValidationFailed.one(
                "",
                self.version,
                "Someone else saved this customer since you opened it. Save again to put your version over "
                "theirs, or press Escape to keep theirs.",
            ) from exc
        return CustomerSaved(self.profile.id, f"Saved {one_line(updated.name)}")


class StageForm(FormScreen):
    """Change of stage: a reason is always asked; churned also asks the category the churn report counts."""

    TITLE = "Change stage"

    def __init__(
        self, customer_id: int, customer_name: str, current: str, *, suggest: str | None = None, reason: str = ""
    ) -> None:
        """`suggest`: the stage to preselect (churned, for a lapsed customer), with a `reason` filled in."""
        self.customer_id, self.customer_name, self.current = customer_id, customer_name, current
        self.suggest, self.reason = suggest, reason
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        yield Static(
            Text(one_line(self.customer_name), style="bold") + Text(f" is now in {words(self.current)}"),
            classes="form-context",
        )

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import ChurnReason, Stage

        stages = tuple((words(s.value), str(s.value)) for s in Stage)
        target = self.suggest or next((v for _l, v in stages if v != self.current), "awareness")
        return (
            FormField("stage", "New stage", "select", value=target, options=stages),
            FormField("reason", "Why", value=self.reason, placeholder="what happened"),
            FormField(
                "churn_reason",
                "Churn reason",
                "select_blank",
                options=tuple((words(r.value), str(r.value)) for r in ChurnReason),
            ),
        )

    def on_mount(self) -> None:
        self._toggle_churn()

    @on(Select.Changed, "#input-stage")
    def _toggle_churn(self) -> None:
        self.query_one("#field-churn_reason").display = self.query_one("#input-stage", Select).value == "churned"

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.customers import change_stage

        churn = values["churn_reason"] if values["stage"] == "churned" else None
        change = change_stage(session, self.customer_id, values["stage"], reason=values["reason"], churn_reason=churn)
        if change is None:
            return f"{one_line(self.customer_name)} is already in {words(values['stage'])}"
        return f"{one_line(self.customer_name)}: {words(change.from_stage)} → {words(change.to_stage)}"


@dataclass(frozen=True)
class OpenExisting:
    """The warning's answer "open the existing one": which customer."""

    customer_id: int
    name: str


class DuplicateWarning(ModalScreen["OpenExisting | bool | None"]):
    """Before a create: "these customers look like the one you are adding". Dismisses with an
    `OpenExisting` (the highlighted match), True (create anyway) or None (back to the form)."""

    CSS_PATH = ["forms.tcss", "../pages/duplicates.tcss"]
    AUTO_FOCUS = "#duplicate-matches"
    BINDINGS = [
        Binding("o,enter", "open_existing", "Open the existing one", id="warning.open", priority=True),
        Binding("c", "create_anyway", "Create anyway", id="warning.create"),
        Binding("escape", "back", "Back to the form", id="warning.back"),
    ]

    def __init__(self, name: str, matches: list[LikelyDuplicate]) -> None:
        super().__init__()
        self.new_name = name
        self.matches = matches[:SHOWN_MATCHES]
        self.more = len(matches) - len(self.matches)

    def compose(self) -> ComposeResult:
        with Vertical(classes="form duplicate-warning") as box:
            box.border_title = "Already on the desk?"
            intro = Text()
            intro.append(one_line(self.new_name) or "This customer", style="bold")
            intro.append(" looks like " + ("this customer:" if len(self.matches) == 1 else "these customers:"))
            yield Static(intro, classes="form-warning")
            table: DataTable[Text] = DataTable(id="duplicate-matches", cursor_type="row", zebra_stripes=True)
            table.add_column(Text(""), width=7, key="certain")
            table.add_column(Text("Id"), width=6, key="id")
            table.add_column(Text("Name"), width=20, key="name")
            table.add_column(Text("Score"), width=5, key="score")
            table.add_column(Text("Why"), width=28, key="why")
            for m in self.matches:
                row = m.customer
                table.add_row(
                    Text("certain", style="bold red") if m.certain else Text(""),
                    Text(f"#{row.id}", style="dim"),
                    cell(row.name),
                    Text(str(m.score), justify="right"),
                    cell(", ".join(m.reasons)),
                    key=str(row.id),
                )
            yield table
            if self.more:
                yield Static(Text(f"and {self.more} more", style="dim"))
            yield Static(
                Text("Enter: open the highlighted one · c: create anyway · Esc: back to the form"),
                classes="confirm-question",
            )
        yield Footer(compact=True)

    def action_open_existing(self) -> None:
        table = self.query_one("#duplicate-matches", DataTable)
        if not self.matches:
            return
        match = self.matches[min(table.cursor_row, len(self.matches) - 1)]
        self.dismiss(OpenExisting(match.customer.id, match.customer.name))

    def action_create_anyway(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(None)
