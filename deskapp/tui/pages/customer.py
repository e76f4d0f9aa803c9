"""One customer: the profile card, the stage with its history, and one timeline of everything that happened.
Every action a call might lead to is one key away: log, complaint, follow-up, purchase, stage, edit, archive."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from deskapp.tui.dialogs.activity_forms import (
    ComplaintForm,
    FollowUpForm,
    LogInteractionForm,
    PurchaseForm,
    ReferralForm,
)
from deskapp.tui.dialogs.customer_forms import CustomerForm, StageForm
from deskapp.tui.dialogs.forms import ConfirmScreen
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import block, cell, day, one_line, when, words
from deskapp.tui.widgets.rows import STAGE_STYLE
from deskapp.tui.widgets.tables import DeskTable

if TYPE_CHECKING:
    from deskapp.core.activity import CustomerProfile
    from deskapp.core.analytics import CustomerForecast, CustomerValue, HealthScore, LapsedCustomer
    from deskapp.core.db import DeskSession
    from deskapp.core.records import Page, TimelineEntry

KIND_LABEL = {
    "interaction": ("contact", "cyan"),
    "complaint": ("complaint", "red"),
    "purchase": ("purchase", "green"),
    "follow_up": ("follow-up", "yellow"),
    "stage_change": ("stage", "magenta"),
}
TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class CustomerData:
    profile: CustomerProfile | None
    timeline: Page[TimelineEntry] | None
    health: HealthScore | None = None
    value: CustomerValue | None = None
    lapse: LapsedCustomer | None = None


def profile_card(p: CustomerProfile) -> Text:
    """The card as one Text: every stored value appended as plain text, never parsed."""
    card = Text()
    card.append_text(cell(p.name, "bold")).append("\n")
    if p.company:
        card.append_text(cell(p.company)).append("\n")
    card.append("\n")

    def line(label: str, value: Any, style: str = "") -> None:
        card.append(f"{label:<13}", style="dim").append_text(cell(value, style)).append("\n")

    line("Stage", words(p.stage), STAGE_STYLE.get(p.stage, ""))
    line("Owner", p.owner or "nobody")
    if p.email:
        line("E-mail", p.email)
    for address, label in p.more_emails:
        line(f"  {label or 'e-mail'}"[:12], address)
    if p.phone or p.phone_raw:
        line("Phone", p.phone_raw or p.phone)
    for number, label in p.more_phones:
        line(f"  {label or 'phone'}"[:12], number)
    if p.address:
        line("Address", p.address)
    if p.language:
        line("Language", p.language)
    if p.consent:
        line("Marketing", p.consent)
    for label, when_day in p.special_days:
        line((label or "Special day").capitalize()[:12], when_day.replace("--", "every "))
    if p.tags:
        line("Tags", ", ".join(p.tags))
    if p.source:
        line("Source", p.source)
    if p.birthday:
        line("Birthday", p.birthday.isoformat())
    line("Check-ins", f"every {p.cadence_days} days" if p.cadence_days else "stage default")
    line("Customer", f"since {p.created_at.astimezone():%Y-%m-%d}")
    card.append("\n")
    line("Orders", f"{p.orders} · {p.revenue:,.2f} total")
    line("Last contact", when(p.last_contact) or "never")
    line("Next due", f"{day(p.next_follow_up)} ({p.pending_follow_ups} open)" if p.next_follow_up else "nothing open")
    line("Complaints", f"{p.open_complaints} open", "bold red" if p.open_complaints else "")
    if p.archived:
        card.append("\nARCHIVED", style="bold reverse")
        card.append("\n")
    if p.notes:
        card.append("\nNotes\n", style="dim").append_text(block(p.notes))
    return card


HEALTH_BAR = 10
HEALTH_DETAIL_WIDTH = 34  # indented by 4 in the 44-column card


def health_card(health: HealthScore | None, value: CustomerValue | None, lapse: LapsedCustomer | None = None) -> Text:
    """The health score with its parts (a small bar, the score and the reason in words), the margin the
    customer has earned so far (historical CLV), and whether they have lapsed (with the offer to mark them
    churned, which asks the reason)."""
    out = Text()
    if lapse is not None:
        out.append("Lapsed", style="bold yellow").append(f"  {lapse.reason}\n", style="yellow")
        out.append("  mark churned? s (asks the reason)\n", style="dim italic")
    if health is None:
        out.append("Health", style="dim").append("  not scored (churned or archived)\n", style="dim")
    else:
        style = "green" if health.score >= 70 else "yellow" if health.score >= 40 else "bold red"
        out.append(f"Health {health.score}/100\n", style=f"bold {style}")
        for part in health.parts:
            out.append(f"  {part.name:<11}", style="dim")
            if part.score is None:
                out.append(f"{'':<{HEALTH_BAR}}  –", style="dim")
            else:
                filled = round(part.score / 100 * HEALTH_BAR)
                out.append("█" * filled, style="cyan").append("░" * (HEALTH_BAR - filled), style="dim")
                out.append(f" {part.score:>3.0f}")
            out.append(f"  weight {part.weight:.0%}\n", style="dim")
            for piece in textwrap.wrap(one_line(part.detail), HEALTH_DETAIL_WIDTH):
                out.append("    ").append(piece, style="italic").append("\n")
    if value is not None:
        out.append(f"{'Value':<13}", style="dim")
        out.append(f"{value.margin:,.2f} margin to date\n")
    out.rstrip()
    return out


def forecast_card(forecast: CustomerForecast | None, problem: str | None, horizon_days: int = 365) -> Text:
    """P(alive) and predicted CLV from the desk's BG/NBD + Gamma-Gamma fit (see the Reports page)."""
    out = Text()
    if forecast is None:
        why = "too little history" if problem else "no purchases yet"
        return out.append(f"{'Predicted':<13}", style="dim").append(f"– ({why})", style="dim")
    out.append(f"{'P(alive)':<13}", style="dim").append(f"{forecast.p_alive:.0%}\n")
    out.append(f"{'Predicted':<13}", style="dim")
    return out.append(f"{forecast.predicted_clv:,.2f} in {horizon_days} days")


def stage_path(p: CustomerProfile) -> Text:
    """The stage history, oldest first, one step a line with its reason."""
    out = Text("Stage history\n", style="dim")
    for step in p.stage_history:
        out.append(f"{step.at.astimezone():%Y-%m-%d} ", style="dim")
        out.append(words(step.to_stage), style=STAGE_STYLE.get(step.to_stage, ""))
        if step.churn_reason:
            out.append(f" ({words(step.churn_reason)})", style="red")
        why = one_line(step.reason)
        if why:
            out.append(" · ").append(why, style="italic")
        out.append("\n")
    return out


def timeline_row(entry: TimelineEntry) -> tuple[str, tuple[Text, ...], TimelineEntry]:
    label, style = KIND_LABEL.get(entry.kind, (entry.kind, ""))
    cells = (Text(when(entry.at), style="dim"), Text(label, style=style), cell(entry.title))
    return (f"{entry.kind}:{entry.record_id}", cells, entry)


class TimelineTable(DeskTable):
    """Newest first, and the cursor stays on the newest entry when something new arrives at the top."""

    BINDINGS = [Binding("enter", "select_cursor", "Details", id="timeline.details", show=False)]
    STICK_TO_TOP = True


class CustomerScreen(DeskScreen):
    SECTION = ""
    TITLE = "Customer"
    CSS_PATH = "customer.tcss"
    BINDINGS = [
        Binding("l", "log", "Log call", id="customer.log"),
        Binding("c", "complaint", "Complaint", id="customer.complaint"),
        Binding("f", "follow_up", "Follow-up", id="customer.follow-up"),
        Binding("p", "purchase", "Purchase", id="customer.purchase"),
        Binding("s", "stage", "Stage", id="customer.stage"),
        Binding("r", "referral", "Referral", id="customer.referral"),
        Binding("e", "edit", "Edit", id="customer.edit"),
        Binding("a", "archive", "Archive", id="customer.archive"),
        Binding("escape", "back", "Back", id="customer.back"),
    ]
    AUTO_FOCUS = "#timeline"

    class Forecasted(Message, bubble=False):
        def __init__(self, forecast: CustomerForecast | None, problem: str | None, horizon_days: int) -> None:
            self.forecast, self.problem, self.horizon_days = forecast, problem, horizon_days
            super().__init__()

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.profile: CustomerProfile | None = None
        self.lapse: LapsedCustomer | None = None

    def compose_body(self) -> Iterable[Widget]:
        with Horizontal(id="customer-body"):
            with VerticalScroll(id="profile-pane"):
                yield Static("", id="profile")
                yield Static("", id="health")
                yield Static("", id="forecast")
                yield Static("", id="stage-history")
            with Vertical(id="timeline-pane"):
                yield TimelineTable(id="timeline", classes="boxed")
                yield Static("", id="timeline-detail")

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DeskTable)
        table.set_columns(("When", 16), ("What", 9), ("", 41))
        table.border_title = "Timeline"

    def fetch(self, session: DeskSession, params: Any) -> CustomerData:
        from deskapp.core import customers
        from deskapp.core.activity import customer_profile
        from deskapp.core.records import NotFound

        try:
            profile = customer_profile(session, self.customer_id)
        except NotFound:
            return CustomerData(None, None)
        from deskapp.core.analytics import customer_health, customer_lapse, customer_value
        from deskapp.core.records import load_settings

        settings = load_settings(session)
        return CustomerData(
            profile,
            customers.timeline(session, self.customer_id, limit=TIMELINE_LIMIT),
            customer_health(session, self.customer_id, settings),
            customer_value(session, self.customer_id, settings),
            customer_lapse(session, self.customer_id, settings),
        )

    def show(self, data: CustomerData) -> None:
        if data.profile is None or data.timeline is None:
            self.notify("That customer is no longer in the desk.", severity="warning")
            self.dismiss_customer()
            return
        self.profile = data.profile
        self.title = one_line(data.profile.name)
        self.query_one("#profile", Static).update(profile_card(data.profile))
        self.lapse = data.lapse
        self.query_one("#health", Static).update(health_card(data.health, data.value, data.lapse))
        self.query_one("#stage-history", Static).update(stage_path(data.profile))
        table = self.query_one("#timeline", DeskTable)
        table.set_rows(timeline_row(e) for e in data.timeline.items)
        count = len(data.timeline.items)
        table.border_title = f"Timeline · {count}{'+ (latest shown)' if data.timeline.has_more else ''}"
        self._show_detail()
        self.refresh_bindings()
        self.run_worker(
            self._forecast_in_thread,
            thread=True,
            exclusive=True,
            group="forecast",
            exit_on_error=False,
            description="predict the customer's value",
        )

    def _forecast_in_thread(self) -> None:
        """After the page shows: the desk's CLV model (fitted once between purchases, shared with Reports)."""
        from deskapp.core.analytics import desk_clv_model, period_between

        try:
            with self.desk_app.desk.read() as session:
                model = desk_clv_model(session, period_between())
        except Exception as exc:  # a side figure: logged, never an error over the customer
            self.log.warning(f"predicting the customer's value failed: {exc!r}")
            return
        if isinstance(model, str):
            self.post_message(self.Forecasted(None, model, 365))
        else:
            self.post_message(self.Forecasted(model.forecast_for(self.customer_id), None, model.horizon_days))

    def on_customer_screen_forecasted(self, message: Forecasted) -> None:
        self.query_one("#forecast", Static).update(
            forecast_card(message.forecast, message.problem, message.horizon_days)
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        entry: TimelineEntry | None = self.query_one("#timeline", DeskTable).current_model()
        detail = self.query_one("#timeline-detail", Static)
        if entry is None:
            detail.update(Text("Nothing has happened with this customer yet.", style="dim"))
            return
        text = Text(f"{when(entry.at)} · {KIND_LABEL.get(entry.kind, (entry.kind, ''))[0]}", style="dim")
        if entry.staff:
            text.append(" · ").append_text(cell(entry.staff, "dim"))
        text.append("\n").append_text(block(entry.title, "bold"))
        if entry.detail:
            text.append("\n").append_text(block(entry.detail))
        detail.update(text)

    # --- actions ------------------------------------------------------------------------------------------

    def _customer_name(self) -> str:
        return self.profile.name if self.profile else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"log", "complaint", "follow_up", "purchase", "stage", "edit", "archive", "referral"}:
            return True if self.profile is not None else None
        return True

    def action_log(self) -> None:
        self.app.push_screen(LogInteractionForm(self.customer_id, self._customer_name(), "call"), self.form_done)

    def action_complaint(self) -> None:
        self.app.push_screen(ComplaintForm(self.customer_id, self._customer_name()), self.form_done)

    def action_follow_up(self) -> None:
        self.app.push_screen(FollowUpForm(self.customer_id, self._customer_name()), self.form_done)

    def action_purchase(self) -> None:
        self.app.push_screen(PurchaseForm(self.customer_id, self._customer_name()), self.form_done)

    def action_referral(self) -> None:
        self.app.push_screen(ReferralForm(self.customer_id, self._customer_name()), self.form_done)

    def action_stage(self) -> None:
        if self.profile is not None:
            lapsed = self.lapse is not None
            form = StageForm(
                self.customer_id,
                self._customer_name(),
                self.profile.stage,
                suggest="churned" if lapsed else None,
                reason=f"lapsed: {self.lapse.reason}" if self.lapse is not None else "",
            )
            self.app.push_screen(form, self.form_done)

    def action_edit(self) -> None:
        if self.profile is not None:
            self.app.push_screen(CustomerForm(self.profile), self.form_done)

    def action_archive(self) -> None:
        if self.profile is None:
            return
        archive = not self.profile.archived
        verb = "Archive" if archive else "Restore"
        question = Text(f"{verb} ") + Text(one_line(self._customer_name()), style="bold") + Text("?")
        if archive:
            question.append("\nThey leave lists and search; their history stays and the figures stay right.")

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def do(session: DeskSession) -> str:
                from deskapp.core.customers import archive_customer

                archive_customer(session, self.customer_id, archived=archive)
                return f"{'Archived' if archive else 'Restored'} {one_line(self._customer_name())}"

            self.write(f"{verb.lower()}ing the customer", do)

        self.app.push_screen(ConfirmScreen(question, f"{verb} customer"), answered)

    def action_back(self) -> None:
        self.dismiss_customer()

    def dismiss_customer(self) -> None:
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.app.pop_screen()
