"""The desk app: pages as modes (each keeps its own stack, so a customer opened from Today stays open there),
global keys, the command palette, live refresh and due-reminder notifications.

Start-up order is deliberate: paint the first page, then open the database work in workers. `run_desk` may
be handed an open engine (the CLI does) or only a URL, in which case the engine is opened and migrated in a
worker while the first page is already on screen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from deskapp.tui import modes, probe
from deskapp.tui.data import Desk, guard
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.pages.today import TodayScreen
from deskapp.tui.text import one_line, plural, words
from deskapp.tui.widgets.tables import DeskTable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from textual.notifications import SeverityLevel

    from deskapp.core.db import ChangeWatcher
    from deskapp.core.records import FollowUpRow
    from deskapp.tui.dialogs.help import HelpSection

POLL_SECONDS = 2.0
DUE_CHECK_SECONDS = 30.0
SWEEP_SECONDS = 300.0  # the remembering rules (check-ins, special days, at risk, win-back) every five minutes
DUE_LIMIT = 2000  # follow-ups compared for "came due"; a desk with more due than this has other problems
PAGES = {
    "today": "Today",
    "customers": "Customers",
    "complaints": "Complaints",
    "follow_ups": "Follow-ups",
    "reports": "Reports",
    "duplicates": "Duplicates",
    "settings": "Settings",
}


def parse_keymap(text: str) -> dict[str, str]:
    """DESKAPP_KEYS="follow-up.done=D;customer.log=ctrl+l,L": binding ids (see the help screen) to keys
    (several keys for one binding separated by commas, bindings by semicolons)."""
    pairs = (item.partition("=") for item in text.split(";") if "=" in item)
    return {name.strip(): key.strip() for name, _, key in pairs if name.strip() and key.strip()}


class DeskApp(App[None]):
    CSS_PATH = str(Path(__file__).with_name("desk.tcss"))  # absolute: subclasses elsewhere find it too
    TITLE = "deskapp"
    # Only the home page is imported up front; the others (and the forms) when first shown.
    MODES: ClassVar[dict[str, Any]] = {
        "today": TodayScreen,
        "customers": modes.customers_page,
        "complaints": modes.complaints_page,
        "follow_ups": modes.follow_ups_page,
        "reports": modes.reports_page,
        "duplicates": modes.duplicates_page,
        "settings": modes.settings_page,
    }
    DEFAULT_MODE = "today"  # the first screen is the home page itself, not an empty one switched away from
    COMMANDS = App.COMMANDS | {modes.customer_commands}
    BINDINGS = [
        Binding("1", "goto('today')", "Today", id="desk.today", show=False),
        Binding("2", "goto('customers')", "Customers", id="desk.customers", show=False),
        Binding("3", "goto('complaints')", "Complaints", id="desk.complaints", show=False),
        Binding("4", "goto('follow_ups')", "Follow-ups", id="desk.follow-ups", show=False),
        Binding("5", "goto('reports')", "Reports", id="desk.reports", show=False),
        Binding("6", "goto('duplicates')", "Duplicates", id="desk.duplicates", show=False),
        Binding("7", "goto('settings')", "Settings", id="desk.settings", show=False),
        Binding("question_mark", "help", "Help", id="desk.help"),
        Binding("f1", "help", "Help", id="desk.help-f1", show=False),
        Binding("f5", "refresh_desk", "Refresh", id="desk.refresh", show=False),
        Binding("q", "quit", "Quit", id="desk.quit", show=False),
    ]

    class DeskReady(Message):
        def __init__(self, label: str, overdue: int, due_today: int, due_ids: frozenset[int]) -> None:
            self.label, self.overdue, self.due_today, self.due_ids = label, overdue, due_today, due_ids
            super().__init__()

    class DeskChanged(Message):
        """Another desk, an import or this one wrote to the database."""

    class Polled(Message):
        def __init__(self, changed: bool, due: tuple[FollowUpRow, ...]) -> None:
            self.changed, self.due = changed, due
            super().__init__()

    class Swept(Message):
        def __init__(self, created: int, summary: str) -> None:
            self.created, self.summary = created, summary
            super().__init__()

    class CameDue(Message):
        def __init__(self, rows: tuple[FollowUpRow, ...]) -> None:
            self.rows = rows
            super().__init__()

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        url: Any = None,
        staff: str | None = None,
        poll_seconds: float = POLL_SECONDS,
        due_check_seconds: float = DUE_CHECK_SECONDS,
        cursor_blink: bool = True,
        start_notification: bool = True,
        sweep_seconds: float | None = None,
    ) -> None:
        super().__init__()
        self.desk = Desk(engine, url, staff)
        self.poll_seconds = poll_seconds
        # None: sweep on open and every SWEEP_SECONDS when the desk watches for changes, never when it doesn't
        # (tests that turn polling off get a desk that changes only when they change it).
        self.sweep_seconds = (SWEEP_SECONDS if poll_seconds > 0 else 0.0) if sweep_seconds is None else sweep_seconds
        self.due_check_seconds = due_check_seconds
        self.cursor_blink_enabled = cursor_blink
        self.start_notification = start_notification
        self.watcher: ChangeWatcher | None = None
        self._poll_timer: Timer | None = None
        self._due_ids: frozenset[int] = frozenset()
        self._last_due_check = 0.0
        self.changes = 0  # counts changes seen (live or our own); pages reload on resume when it moved
        self.painted = False
        self._after_paint: list[Any] = []
        if engine is not None:  # the CLI already loaded the core: the header can say where we are at once
            self.sub_title = self.desk.label()
        theme = os.environ.get("DESKAPP_THEME")
        if theme and theme in self.available_themes:
            self.theme = theme
        keymap = parse_keymap(os.environ.get("DESKAPP_KEYS", ""))
        if keymap:
            self.set_keymap(keymap)

    # --- start-up -----------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.painted = True
        if probe.mark(self, "painted"):
            return
        self.start_desk()
        for callback in self._after_paint:
            callback()
        self._after_paint.clear()

    def after_first_paint(self, callback: Any) -> None:
        """Run `callback` once the first screen is on the terminal (at once if it already is): a worker
        started earlier would import the core and query while the first frame is still being drawn."""
        if self.painted:
            self.call_after_refresh(callback)
        else:
            self._after_paint.append(callback)

    @work(thread=True, group="startup", exit_on_error=False, description="open the desk")
    def start_desk(self) -> None:
        """Open the database (if only a URL was given), start the change watcher and count what is due."""
        try:
            self.desk.open()
        except Exception as exc:
            # Not a desk, made by a newer deskapp, unreadable: say so on the terminal, as the CLI would.
            from deskapp.tui.data import describe_error

            self.call_from_thread(self.exit, None, 2, f"error: {describe_error(exc, 'opening the desk')}")
            return
        with guard(self, "opening the desk"):
            from deskapp.core.activity import due_follow_ups, is_due_now
            from deskapp.core.db import ChangeWatcher
            from deskapp.core.records import clock

            watcher = ChangeWatcher(self.desk.engine)
            watcher.changed()
            self.watcher = watcher
            now = clock.now()
            with self.desk.read() as session:
                rows = due_follow_ups(session, clock.today(), days=0, limit=DUE_LIMIT).items
            overdue = sum(1 for r in rows if r.days_overdue > 0)
            today = sum(1 for r in rows if r.days_overdue == 0)
            due_ids = frozenset(r.id for r in rows if is_due_now(r, now))
            self.post_message(self.DeskReady(self.desk.label(), overdue, today, due_ids))

    @on(DeskReady)
    def _on_desk_ready(self, message: DeskReady) -> None:
        self.sub_title = message.label
        self._due_ids = message.due_ids
        self._last_due_check = self._monotonic()
        if self.start_notification:
            if message.overdue or message.due_today:
                text = f"{plural(message.overdue, 'follow-up')} overdue, {message.due_today} due today."
                severity: SeverityLevel = "warning" if message.overdue else "information"
                self.notify(text, title="Follow-ups", severity=severity, timeout=8)
            else:
                self.notify("Nothing overdue or due today.", title="Follow-ups", timeout=5)
        if self.poll_seconds > 0:
            self._poll_timer = self.set_interval(self.poll_seconds, self.poll_desk, name="poll desk")
        if self.sweep_seconds > 0:
            self.sweep_desk()
            self.set_interval(self.sweep_seconds, self.sweep_desk, name="sweep desk")

    def _monotonic(self) -> float:
        import time

        return time.monotonic()

    # --- live refresh and reminders -------------------------------------------------------------------------

    def poll_desk(self) -> None:
        if self.watcher is None:
            return
        check_due = self._monotonic() - self._last_due_check >= self.due_check_seconds
        self._poll(check_due)

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False, description="watch the desk")
    def _poll(self, check_due: bool) -> None:
        watcher = self.watcher
        if watcher is None:
            return
        try:
            changed = watcher.changed()
            if not (changed or check_due):
                return
            from deskapp.core.activity import due_now

            with self.desk.read() as session:
                due = due_now(session, limit=DUE_LIMIT)
        except Exception as exc:  # a failed poll is retried in two seconds; not worth a notification
            self.log.warning(f"polling the desk failed: {exc!r}")
            return
        self.post_message(self.Polled(changed, due))

    @on(Polled)
    def _polled(self, message: Polled) -> None:
        """Compare what is due now with what was due at the last look: the new ones just came due."""
        self._last_due_check = self._monotonic()
        fresh = tuple(r for r in message.due if r.id not in self._due_ids)
        self._due_ids = frozenset(r.id for r in message.due)
        if fresh:
            self.post_message(self.CameDue(fresh))
        if message.changed or fresh:
            self.post_message(self.DeskChanged())

    @work(thread=True, exclusive=True, group="sweep", exit_on_error=False, description="remember for the desk")
    def sweep_desk(self) -> None:
        """The remembering rules, in a worker: idempotent, so two desks sweeping at once create each reminder
        once; the daily cap keeps a big old desk from being flooded on its first day."""
        from collections import Counter

        from deskapp.core.analytics import run_sweep
        from deskapp.core.records import clock

        try:
            with self.desk.write() as session:
                result = run_sweep(session, clock.today())
        except Exception as exc:  # retried at the next interval; a sweep must never stop the desk
            self.log.warning(f"the sweep failed: {exc!r}")
            return
        counts = Counter(words(a.rule) for a in result.actions)
        summary = ", ".join(f"{n} {rule}" for rule, n in sorted(counts.items()))
        self.post_message(self.Swept(len(result.actions), summary))

    @on(Swept)
    def _swept(self, message: Swept) -> None:
        if not message.created:
            return
        self.notify(f"Added {message.summary}.", title="Reminders", markup=False, timeout=8)
        self.post_message(self.DeskChanged())

    def note_change(self) -> None:
        self.changes += 1

    @on(DeskChanged)
    def _desk_changed(self) -> None:
        self.note_change()
        page = self.current_page()
        if page is not None:
            page.desk_changed()

    @on(CameDue)
    def _came_due(self, message: CameDue) -> None:
        for row in message.rows[:3]:
            at = f" ({row.due_time:%H:%M})" if row.due_time else ""
            note = f": {one_line(row.note)}" if row.note else ""
            text = f"{one_line(row.customer_name)} · {words(row.kind)}{at}{note}"
            self.notify(text, title="Follow-up due now", severity="warning", markup=False, timeout=10)
        if len(message.rows) > 3:
            self.notify(f"and {len(message.rows) - 3} more due now", title="Follow-ups", timeout=10)

    def current_page(self) -> DeskScreen | None:
        """The page under any open form or dialog."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, DeskScreen):
                return screen
        return None

    # --- navigation -----------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Page keys (and the single-letter quit) wait while a form or dialog is open."""
        if action in {"goto", "refresh_desk", "quit", "help"} and isinstance(self.screen, ModalScreen):
            return False
        return True

    def action_goto(self, mode: str) -> None:
        if mode in self.MODES and mode != self.current_mode:
            self.switch_mode(mode)

    def open_customer(self, customer_id: int) -> None:
        from deskapp.tui.pages.customer import CustomerScreen

        current = self.screen
        if isinstance(current, ModalScreen):
            self.notify("Finish or close the open form first (Escape).", severity="warning")
            return
        if isinstance(current, CustomerScreen) and current.customer_id == customer_id:
            return
        if isinstance(current, CustomerScreen):
            self.pop_screen()
        self.push_screen(CustomerScreen(customer_id))

    def action_refresh_desk(self) -> None:
        page = self.current_page()
        if page is not None:
            page.desk_changed()

    def action_help(self) -> None:
        from deskapp.tui.dialogs.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.help_sections(), keymap=dict(self._keymap)))

    def help_sections(self) -> list[HelpSection]:
        from deskapp.tui.dialogs.customer_forms import DuplicateWarning
        from deskapp.tui.dialogs.forms import ConfirmScreen, FormScreen
        from deskapp.tui.dialogs.merge import MergeScreen
        from deskapp.tui.pages.complaints import ComplaintsScreen
        from deskapp.tui.pages.customer import CustomerScreen
        from deskapp.tui.pages.customers import CustomersScreen
        from deskapp.tui.pages.duplicates import DuplicatesScreen
        from deskapp.tui.pages.followups import FollowUpsScreen
        from deskapp.tui.pages.settings import SettingsScreen

        palette = [Binding("ctrl+p", "command_palette", "Command palette: a customer by name, any action")]
        return [
            ("Everywhere", [*self.BINDINGS, *palette, *App.BINDINGS]),
            ("Today", TodayScreen.BINDINGS),
            (
                "Lists",
                [
                    *DeskTable.BINDINGS,
                    Binding("up,down,pageup,pagedown", "", "Move"),
                    Binding("tab", "", "Next list or field"),
                ],
            ),
            ("Customers", [*CustomersScreen.BINDINGS, Binding("enter", "", "In the search box: open the best match")]),
            ("Customer", CustomerScreen.BINDINGS),
            ("Complaints", ComplaintsScreen.BINDINGS),
            ("Follow-ups", FollowUpsScreen.BINDINGS),
            ("Duplicates", [*DuplicatesScreen.BINDINGS, Binding("enter", "", "Compare and merge the pair")]),
            ("Settings", [Binding("enter", "", "Edit the setting"), *SettingsScreen.BINDINGS]),
            ("Merge", [*MergeScreen.BINDINGS, Binding("up,down", "", "Move between fields")]),
            ("Forms", [*FormScreen.BINDINGS, Binding("enter", "", "Save (short forms) or next field")]),
            ("Questions", ConfirmScreen.BINDINGS),
            ("Duplicate warning", DuplicateWarning.BINDINGS),
        ]

    # --- command palette: every page and action -----------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if isinstance(screen, ModalScreen):  # over a form: only the app's own (theme, quit, keys)
            yield from super().get_system_commands(screen)
            return
        for mode, title in PAGES.items():
            yield SystemCommand(f"Go to {title}", f"Show the {title} page", partial(self.action_goto, mode))
        yield SystemCommand("New customer", "Add a customer", self._new_customer)
        yield SystemCommand("Help: keys", "Every key of the desk", self.action_help)
        yield SystemCommand("Refresh", "Reload this page from the database", self.action_refresh_desk)
        page = self.current_page()
        if page is not None:
            for binding in page.BINDINGS:
                if not isinstance(binding, Binding) or not binding.description:
                    continue
                action = binding.action
                if page.check_action(action.split("(")[0], ()) is not True:
                    continue
                yield SystemCommand(
                    f"{page.title or ''}: {binding.description}".strip(": "),
                    f"Key {self.get_key_display(binding)}",
                    partial(page.run_action, action),
                )
        yield from super().get_system_commands(screen)

    def _new_customer(self) -> None:
        self.switch_mode("customers")
        self.call_after_refresh(lambda: self.screen.run_action("new_customer"))

    # --- shutting down -----------------------------------------------------------------------------------------

    def on_unmount(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        if self.watcher is not None:
            self.watcher.close()


def run_desk(engine: Engine | None = None, *, url: Any = None, staff: str | None = None) -> None:
    """Open the desk in this terminal (called by `deskapp` and `deskapp demo`).

    With an engine, the desk uses it; without one, `url` (a URL, a path, or None for the usual resolution)
    is opened and migrated in a worker after the first paint -- the faster start (see benchmarks/).
    """
    app = DeskApp(engine, url=url, staff=staff)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


__all__ = ["DeskApp", "run_desk"]
