"""What every page of the desk shares: data loaded in a thread worker and shown when it arrives, reloads
when the page comes back into view or the desk changes, and writes that report back as notifications.

The flow is always the same (ARCHITECTURE.md, "How data moves"): `params()` on the UI thread reads the
widgets -> `fetch(session, params)` in a worker calls the core and returns frozen read models -> a `Loaded`
message -> `show(data)` on the UI thread fills the widgets. Widgets never see a session or an ORM object.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from deskapp.tui import probe
from deskapp.tui.data import guard
from deskapp.tui.widgets.nav import NavBar

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.tui.app import DeskApp


T = TypeVar("T")


def _text_or_nothing(result: object) -> str | None:
    return result if isinstance(result, str) else None


class DeskScreen(Screen[None]):
    SECTION: ClassVar[str] = ""  # which nav entry is lit

    class Loaded(Message, bubble=False):
        def __init__(self, data: Any) -> None:
            self.data = data
            super().__init__()

    class Written(Message, bubble=False):
        def __init__(self, message: str | None, after: Callable[[Any], None] | None, result: Any) -> None:
            self.message, self.after, self.result = message, after, result
            super().__init__()

    def __init__(self) -> None:
        super().__init__()
        self._shown_once = False
        self._loaded_at_change = -1  # the app's change count when this page last asked for its data

    @property
    def desk_app(self) -> DeskApp:
        return cast("DeskApp", self.app)  # every screen here runs inside the desk app

    # --- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="≡")
        yield NavBar(self.SECTION)
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> Iterable[Widget]:
        return ()

    # --- loading ------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        # After the first paint: a worker importing the core or querying competes for the GIL with the
        # painting, so the page appears first and its data a moment later.
        self.desk_app.after_first_paint(self.reload)

    def on_screen_resume(self) -> None:
        """Back in view (another page, a closed form): reload only if the desk changed meanwhile."""
        if self._shown_once and self._loaded_at_change != self.desk_app.changes:
            self.reload()

    def desk_changed(self) -> None:
        """Someone (another desk, an import, a write of ours) changed the database."""
        self.reload()

    def params(self) -> Any:
        """What the fetch depends on, read from the widgets on the UI thread."""
        return None

    def fetch(self, session: DeskSession, params: Any) -> Any:
        """Runs in a worker thread: call the core, return plain read models."""
        raise NotImplementedError

    def show(self, data: Any) -> None:
        """Runs on the UI thread with what `fetch` returned."""

    def reload(self) -> None:
        if probe.exiting():
            return
        self._loaded_at_change = self.desk_app.changes
        params = self.params()
        self.run_worker(
            lambda: self._fetch_in_thread(params),
            thread=True,
            exclusive=True,
            group="load",
            exit_on_error=False,
            description=f"load {type(self).__name__}",
        )

    def _fetch_in_thread(self, params: Any) -> None:
        worker = get_current_worker()
        with guard(self.app, f"loading {self.title or 'the page'}"), self.desk_app.desk.read() as session:
            data = self.fetch(session, params)
            if not worker.is_cancelled:
                self.post_message(self.Loaded(data))

    @on(Loaded)
    def _on_loaded(self, message: Loaded) -> None:
        self._shown_once = True
        self.show(message.data)

    # --- writing ------------------------------------------------------------------------------------------

    def write(
        self,
        doing: str,
        action: Callable[[DeskSession], T],
        *,
        message: Callable[[T], str | None] = _text_or_nothing,
        after: Callable[[T], None] | None = None,
    ) -> None:
        """Run one write in its own transaction in a worker; what it returns goes to `after` on the UI thread,
        `message(result)` (by default: a returned string) becomes a notification, then the page reloads.
        Refusals (validation, invalid transitions) become error notifications."""

        def run() -> None:
            with guard(self.app, doing):
                with self.desk_app.desk.write() as session:
                    result = action(session)
                self.post_message(self.Written(message(result), after, result))

        self.run_worker(run, thread=True, group="write", exit_on_error=False, description=doing)

    @on(Written)
    def _on_written(self, message: Written) -> None:
        self.desk_app.note_change()
        if message.message:
            self.notify(message.message, markup=False)
        if message.after is not None:
            message.after(message.result)
        self.reload()

    def form_done(self, result: Any) -> None:
        """Callback for forms pushed from this page: a saved form returns its message; reload."""
        if result:
            self.desk_app.note_change()
            self.notify(str(result), markup=False)
            self.reload()
