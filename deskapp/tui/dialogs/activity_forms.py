"""The forms for what happens with a customer: log a contact, open a complaint, schedule a follow-up,
record a purchase, and the small ones the lists use (snooze until, reschedule, respond, resolve, status).

Enum choices are built when a form opens (the core is loaded by then), so importing this module stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Select, Static

from deskapp.tui.dialogs.forms import FormField, FormScreen
from deskapp.tui.text import one_line, words

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession


def _choices(kind: Any) -> tuple[tuple[str, str], ...]:
    return tuple((words(m.value), str(m.value)) for m in kind)


def _today_plus(days: int) -> str:
    from deskapp.core.records import clock

    return (clock.today() + timedelta(days=days)).isoformat()


class LogInteractionForm(FormScreen):
    """Log a call (or any contact): the channel is preselected and the cursor waits in the summary, so a call
    takes `l`, a line of text and Enter."""

    TITLE = "Log an interaction"
    FOCUS_FIELD = "summary"

    class ContactWarning(Message, bubble=False):
        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    def __init__(self, customer_id: int, customer_name: str, channel: str = "call") -> None:
        self.customer_id, self.customer_name, self.channel = customer_id, customer_name, channel
        self._warning = ""
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        yield Static(Text("with ") + Text(one_line(self.customer_name), style="bold"), classes="form-context")
        warning = Static("", id="contact-warning", classes="form-warning")
        warning.display = False
        yield warning

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import Channel

        return (
            FormField("summary", "Summary", placeholder="what was said, in a few words"),
            FormField("channel", "Channel", "select", value=self.channel, options=_choices(Channel)),
            FormField(
                "direction",
                "Direction",
                "select",
                value="out",
                options=(("outbound: we contacted them", "out"), ("inbound: they contacted us", "in")),
            ),
            FormField("details", "Details", "textarea"),
            FormField("score", "Score 0–10", placeholder="their 0–10 answer, if they gave one"),
        )

    def on_mount(self) -> None:
        self.check_contacts()

    @work(thread=True, group="warning", exit_on_error=False)
    def check_contacts(self) -> None:
        """Too many contacts tire a customer out: warn before adding another outbound one."""
        from deskapp.core.activity import over_contact_warning

        try:
            with self.desk_app.desk.read() as session:
                warning = over_contact_warning(session, self.customer_id)
        except Exception as exc:  # a warning that can't be computed is not worth an error
            self.app.log.warning(f"over-contact check failed: {exc!r}")
            return
        if warning is not None:
            self.post_message(self.ContactWarning(warning.message))

    @on(ContactWarning)
    def _show_warning(self, message: ContactWarning) -> None:
        self._warning = message.text
        self._update_warning()

    @on(Select.Changed, "#input-direction")
    def _direction_changed(self) -> None:
        self._update_warning()

    def _update_warning(self) -> None:
        box = self.query_one("#contact-warning", Static)
        outbound = self.query_one("#input-direction", Select).value == "out"
        box.update(Text("⚠ " + self._warning))
        box.display = bool(self._warning) and outbound

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import log_interaction

        interaction = log_interaction(
            session,
            self.customer_id,
            channel=values["channel"],
            summary=values["summary"],
            details=values["details"],
            direction=values["direction"],
            score=values["score"] or None,
        )
        return f"Logged {words(interaction.channel)} with {one_line(self.customer_name)}"


class CustomerForm(FormScreen):
    """A form about one customer, named at its top ("from Ödön Kovács") as plain text, never markup."""

    CONTEXT_WORD = "with"

    def __init__(self, customer_id: int, customer_name: str) -> None:
        self.customer_id, self.customer_name = customer_id, customer_name
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        context = Text(f"{self.CONTEXT_WORD} ") + Text(one_line(self.customer_name), style="bold")
        yield Static(context, classes="form-context")


class ComplaintForm(CustomerForm):
    TITLE = "Open a complaint"
    CONTEXT_WORD = "from"

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import ComplaintCategory, Priority

        return (
            FormField("subject", "Subject", placeholder="what went wrong"),
            FormField("category", "Category", "select", value="other", options=_choices(ComplaintCategory)),
            FormField("priority", "Priority", "select", value="normal", options=_choices(Priority)),
            FormField("details", "Details", "textarea"),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import open_complaint

        c = open_complaint(session, self.customer_id, **values)
        due = c.first_response_due.astimezone().strftime("%a %d %b %H:%M") if c.first_response_due else "?"
        return f"Complaint opened for {one_line(self.customer_name)}; first response due {due}"


class FollowUpForm(CustomerForm):
    TITLE = "Schedule a follow-up"
    CONTEXT_WORD = "with"

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import FollowUpKind

        return (
            FormField("due", "Due", value=_today_plus(7), placeholder="YYYY-MM-DD or YYYY-MM-DD HH:MM"),
            FormField("kind", "Kind", "select", value="check_in", options=_choices(FollowUpKind)),
            FormField("note", "Note", placeholder="what to ask or say"),
            FormField("assignee", "Assignee", placeholder="login (empty: the customer's owner)"),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import schedule_follow_up

        f = schedule_follow_up(session, self.customer_id, **values)
        return f"Follow-up with {one_line(self.customer_name)} on {f.due_date:%a %d %b}"


class PurchaseForm(CustomerForm):
    TITLE = "Record a purchase"
    CONTEXT_WORD = "by"

    def fields(self) -> Iterable[FormField]:
        return (
            FormField("amount", "Amount", placeholder="e.g. 129.90"),
            FormField("description", "What", placeholder="what they bought"),
            FormField("cost", "Cost", placeholder="what it cost us (optional)"),
            FormField("ordered_at", "When", placeholder="now, or YYYY-MM-DD HH:MM"),
            FormField("currency", "Currency", placeholder="the desk's currency"),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import record_purchase

        p = record_purchase(
            session,
            self.customer_id,
            amount=values["amount"],
            description=values["description"],
            cost=values["cost"] or None,
            ordered_at=values["ordered_at"] or None,
            currency=values["currency"] or None,
        )
        return f"Recorded {p.amount} {p.currency} for {one_line(self.customer_name)}"


class ReferralForm(CustomerForm):
    """Who this customer brought to us: they get a thank-you follow-up and count as an advocate."""

    TITLE = "Record a referral"
    CONTEXT_WORD = "by"

    def fields(self) -> Iterable[FormField]:
        return (
            FormField("referred_id", "Referred", placeholder="the new customer's name or id"),
            FormField("note", "How", placeholder="how it came about (optional)"),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import record_referral
        from deskapp.core.customers import get_customer, pick_customer

        referred = pick_customer(session, values["referred_id"], field="referred_id")
        record_referral(session, self.customer_id, referred, note=values["note"])
        name = get_customer(session, referred).name
        return f"{one_line(self.customer_name)} referred {one_line(name)}: a thank-you is due"


class DateForm(FormScreen):
    """One date (snooze until, reschedule): `action(session, text)` does the write and returns the message."""

    def __init__(
        self,
        title: str,
        *,
        name: str,
        label: str,
        value: str,
        action: Callable[[DeskSession, str], str],
        context: Text | None = None,
        placeholder: str = "YYYY-MM-DD",
    ) -> None:
        self.TITLE = title  # type: ignore[misc]  # a ClassVar on Screen; here each date form names its own
        self.field_name, self.field_label, self.field_value = name, label, value
        self.action, self.context, self.placeholder = action, context, placeholder
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        if self.context is not None:
            yield Static(self.context, classes="form-context")

    def fields(self) -> Iterable[FormField]:
        return (
            FormField(
                self.field_name,
                self.field_label,
                value=self.field_value,
                placeholder=self.placeholder,
                also=("due", "until", "days"),
            ),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        return self.action(session, values[self.field_name])


class ComplaintActionForm(FormScreen):
    """A form acting on one complaint, with the case's one-line context (built as Text by the caller) on top."""

    def __init__(self, complaint_id: int, context: Text) -> None:
        self.complaint_id, self.context = complaint_id, context
        super().__init__()

    def intro(self) -> Iterable[Widget]:
        yield Static(self.context, classes="form-context")


class RespondForm(ComplaintActionForm):
    """Answer a complaint: logs the outbound contact and stamps the first response."""

    TITLE = "Respond to a complaint"
    FOCUS_FIELD = "message"

    def fields(self) -> Iterable[FormField]:
        from deskapp.core.records import Channel

        return (
            FormField("message", "What you said", placeholder="the answer you gave"),
            FormField("channel", "Channel", "select", value="call", options=_choices(Channel)),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import respond_to_complaint

        respond_to_complaint(session, self.complaint_id, message=values["message"], channel=values["channel"])
        return "Response logged"


class ResolveForm(ComplaintActionForm):
    """Close a case with what was done, and (by default) schedule the personal follow-up a few days later."""

    TITLE = "Resolve a complaint"
    FOCUS_FIELD = "resolution"

    def fields(self) -> Iterable[FormField]:
        return (
            FormField("resolution", "Resolution", placeholder="what was done about it"),
            FormField("follow_up", "Follow up", "checkbox", value=True, placeholder="schedule the personal follow-up"),
            FormField("follow_up_in_days", "In days", placeholder="default from the desk's settings"),
        )

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import resolve_complaint
        from deskapp.core.records import clean_int

        days = clean_int("follow_up_in_days", values["follow_up_in_days"], minimum=0, maximum=365)
        _complaint, follow_up = resolve_complaint(
            session,
            self.complaint_id,
            resolution=values["resolution"],
            follow_up=bool(values["follow_up"]),
            follow_up_in_days=days,
        )
        if follow_up is not None:
            return f"Resolved; personal follow-up on {follow_up.due_date:%a %d %b}"
        return "Resolved"


class StatusForm(ComplaintActionForm):
    TITLE = "Change complaint status"

    def __init__(self, complaint_id: int, status: str, context: Text) -> None:
        self.status = status
        super().__init__(complaint_id, context)

    def fields(self) -> Iterable[FormField]:
        choices = tuple((words(s), s) for s in ("open", "in_progress", "waiting_on_customer", "closed"))
        value = self.status if self.status in {v for _l, v in choices} else "open"
        return (FormField("status", "Status", "select", value=value, options=choices),)

    def save(self, session: DeskSession, values: dict[str, Any]) -> str:
        from deskapp.core.activity import close_complaint, update_complaint

        if values["status"] == "closed":
            close_complaint(session, self.complaint_id)
        else:
            update_complaint(session, self.complaint_id, status=values["status"])
        return f"Status: {words(values['status'])}"
