"""Adding and editing a customer, and moving one to another stage (which always asks why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.widget import Widget
from textual.widgets import Select, Static

from deskapp.tui.screens.forms import FormField, FormScreen
from deskapp.tui.text import clean, one_line, words

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.desk_queries import CustomerProfile


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
    return replace(
        profile,
        tags=tuple(clean(t) for t in profile.tags),
        **{name: clean(getattr(profile, name)) for name in text_fields},
    )


class CustomerForm(FormScreen):
    """New customer (profile None) or edit one. Edits carry the version read, so a colleague's save in between
    is caught (ConflictError) instead of silently overwritten; saving again then means "mine wins"."""

    SUBMIT_ON_ENTER = False

    def __init__(self, profile: CustomerProfile | None = None) -> None:
        self.profile = profile
        self.version = profile.version if profile else None
        self.TITLE = "Edit customer" if profile else "New customer"  # type: ignore[misc]
        super().__init__()

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
        from deskapp.core.errors import ConflictError, ValidationFailed

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

    def __init__(self, customer_id: int, customer_name: str, current: str) -> None:
        self.customer_id, self.customer_name, self.current = customer_id, customer_name, current
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        yield Static(
            Text(one_line(self.customer_name), style="bold") + Text(f" is now in {words(self.current)}"),
            classes="form-context",
        )

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.models import ChurnReason, Stage

        stages = tuple((words(s.value), str(s.value)) for s in Stage)
        target = next((v for _l, v in stages if v != self.current), "awareness")
        return (
            FormField("stage", "New stage", "select", value=target, options=stages),
            FormField("reason", "Why", placeholder="what happened"),
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
        from deskapp.core.lifecycle import change_stage

        churn = values["churn_reason"] if values["stage"] == "churned" else None
        change = change_stage(session, self.customer_id, values["stage"], reason=values["reason"], churn_reason=churn)
        if change is None:
            return f"{one_line(self.customer_name)} is already in {words(values['stage'])}"
        return f"{one_line(self.customer_name)}: {words(change.from_stage)} → {words(change.to_stage)}"
