"""Actions on a follow-up or a complaint row, shared by the pages that list them (Today, Follow-ups,
Complaints). A page mixes these in (they are pages themselves, so they may use `write` and `form_done`), lists
the bindings below in its BINDINGS, and says which row is selected; each action is one core call in its own
write transaction.

The forms are imported when first opened: the home page paints without loading them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.text import one_line, words

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.records import ComplaintRow, FollowUpRow

FOLLOW_UP_BINDINGS = [
    Binding("l", "log_call", "Log call", id="follow-up.log-call"),
    Binding("d", "follow_up_done", "Done", id="follow-up.done"),
    Binding("s", "snooze(1)", "Snooze 1d", id="follow-up.snooze-day"),
    Binding("w", "snooze(7)", "Snooze 1w", id="follow-up.snooze-week"),
    Binding("u", "snooze_until", "Snooze until…", id="follow-up.snooze-until"),
    Binding("r", "reschedule", "Reschedule", id="follow-up.reschedule"),
]
FOLLOW_UP_ACTIONS = frozenset({"follow_up_done", "snooze", "snooze_until", "reschedule"})

COMPLAINT_BINDINGS = [
    Binding("p", "respond", "Respond", id="complaint.respond"),
    Binding("x", "resolve", "Resolve", id="complaint.resolve"),
    Binding("t", "complaint_status", "Status", id="complaint.status"),
]
COMPLAINT_ACTIONS = frozenset({"respond", "resolve", "complaint_status"})


def _who(name: str) -> Text:
    return Text(one_line(name), style="bold")


class FollowUpActions(DeskScreen):
    """Mark done, snooze (a day, a week, until a date), reschedule, and log a call, on the selected follow-up."""

    def selected_follow_up(self) -> FollowUpRow | None:
        raise NotImplementedError

    def action_follow_up_done(self) -> None:
        row = self.selected_follow_up()
        if row is None:
            return

        def complete(session: DeskSession) -> str:
            from deskapp.core.activity import complete_follow_up

            _done, upcoming = complete_follow_up(session, row.id)
            message = f"Done: {words(row.kind)} with {one_line(row.customer_name)}"
            if upcoming is not None:
                message += f". Next check-in on {upcoming.due_date:%a %d %b}"
            return message

        self.write("marking the follow-up done", complete)

    def action_snooze(self, days: int) -> None:
        row = self.selected_follow_up()
        if row is None:
            return

        def snooze(session: DeskSession) -> str:
            from deskapp.core.activity import snooze_follow_up

            f = snooze_follow_up(session, row.id, days=days)
            return f"Snoozed {one_line(row.customer_name)} until {f.due_date:%a %d %b}"

        self.write("snoozing the follow-up", snooze)

    def action_snooze_until(self) -> None:
        row = self.selected_follow_up()
        if row is None:
            return
        from deskapp.core.records import clock
        from deskapp.tui.dialogs.activity_forms import DateForm

        def snooze(session: DeskSession, value: str) -> str:
            from deskapp.core.activity import snooze_follow_up

            f = snooze_follow_up(session, row.id, until=value)
            return f"Snoozed {one_line(row.customer_name)} until {f.due_date:%a %d %b}"

        form = DateForm(
            "Snooze until",
            name="until",
            label="Until",
            value=(clock.today() + timedelta(days=3)).isoformat(),
            action=snooze,
            context=_who(row.customer_name) + Text(f" · {words(row.kind)}"),
        )
        self.app.push_screen(form, self.form_done)

    def action_reschedule(self) -> None:
        row = self.selected_follow_up()
        if row is None:
            return
        from deskapp.tui.dialogs.activity_forms import DateForm

        def reschedule(session: DeskSession, value: str) -> str:
            from deskapp.core.activity import reschedule_follow_up

            f = reschedule_follow_up(session, row.id, due=value)
            at = f" {f.due_time:%H:%M}" if f.due_time else ""
            return f"Rescheduled {one_line(row.customer_name)} to {f.due_date:%a %d %b}{at}"

        current = row.due_date.isoformat() + (f" {row.due_time:%H:%M}" if row.due_time else "")
        form = DateForm(
            "Reschedule",
            name="due",
            label="Due",
            value=current,
            action=reschedule,
            context=_who(row.customer_name) + Text(f" · {words(row.kind)}"),
            placeholder="YYYY-MM-DD or YYYY-MM-DD HH:MM",
        )
        self.app.push_screen(form, self.form_done)

    def action_log_call(self) -> None:
        from deskapp.tui.dialogs.activity_forms import LogInteractionForm

        target = self.selected_customer()
        if target is not None:
            self.app.push_screen(LogInteractionForm(*target), self.form_done)

    def selected_customer(self) -> tuple[int, str] | None:
        row = self.selected_follow_up()
        return (row.customer_id, row.customer_name) if row else None


class ComplaintActions(DeskScreen):
    """Respond, resolve (asks the resolution, offers the personal follow-up) and change status."""

    def selected_complaint(self) -> ComplaintRow | None:
        raise NotImplementedError

    def _complaint_context(self, row: ComplaintRow) -> Text:
        return _who(row.customer_name) + Text(" · ") + Text(one_line(row.subject))

    def action_respond(self) -> None:
        from deskapp.tui.dialogs.activity_forms import RespondForm

        row = self.selected_complaint()
        if row is not None:
            self.app.push_screen(RespondForm(row.id, self._complaint_context(row)), self.form_done)

    def action_resolve(self) -> None:
        from deskapp.tui.dialogs.activity_forms import ResolveForm

        row = self.selected_complaint()
        if row is not None:
            self.app.push_screen(ResolveForm(row.id, self._complaint_context(row)), self.form_done)

    def action_complaint_status(self) -> None:
        from deskapp.tui.dialogs.activity_forms import StatusForm

        row = self.selected_complaint()
        if row is not None:
            form = StatusForm(row.id, row.status, self._complaint_context(row))
            self.app.push_screen(form, self.form_done)
