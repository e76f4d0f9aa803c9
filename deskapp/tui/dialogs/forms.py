"""Forms as modal screens, validated by the core.

A form never checks a rule itself: it hands what was typed to a core service inside one write transaction.
When the core refuses (`ValidationFailed`), the transaction rolls back -- nothing is half-saved -- and each
`FieldError` is shown under the field it names, the first such field focused. Escape cancels at any time;
Ctrl+S saves from anywhere in the form, Enter saves from a one-line field when the form is short.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, Label, Select, Static

from deskapp.tui.data import describe_error
from deskapp.tui.text import one_line
from deskapp.tui.widgets.inputs import DeskInput, DeskTextArea

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.records import FieldError
    from deskapp.tui.app import DeskApp


@dataclass(frozen=True)
class FormField:
    """One field; `name` is the core's field name, so the core's errors find their way back to it."""

    name: str
    label: str
    kind: str = "input"  # input | select | textarea | checkbox
    value: Any = ""
    options: tuple[tuple[str | Text, Any], ...] = ()
    placeholder: str = ""
    also: tuple[str, ...] = field(default=())  # other core field names whose errors belong here


class FormScreen(ModalScreen[Any]):
    """Subclasses give `TITLE`, `fields()` and `save(session, values)`; `save` runs in a worker thread and
    returns what the form dismisses with (usually the notification text)."""

    TITLE: ClassVar[str] = "Form"
    CSS_PATH = "forms.tcss"
    SUBMIT_ON_ENTER: ClassVar[bool] = True
    FOCUS_FIELD: ClassVar[str | None] = None
    BINDINGS = [
        # Not a priority binding: the key then travels through the focused input's queue behind the
        # characters typed before it, so a fast typist's (or a paste's) last letters are saved too.
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    class Saved(Message, bubble=False):
        def __init__(self, result: Any) -> None:
            self.result = result
            super().__init__()

    class Refused(Message, bubble=False):
        def __init__(self, errors: list[FieldError] | None, message: str = "") -> None:
            self.errors, self.message = errors or [], message
            super().__init__()

    def __init__(self) -> None:
        super().__init__()
        self._fields = list(self.fields())
        self._saving = False

    @property
    def desk_app(self) -> DeskApp:
        return cast("DeskApp", self.app)  # every screen here runs inside the desk app

    # --- to override ------------------------------------------------------------------------------------

    def fields(self) -> Iterable[FormField]:
        return ()

    def save(self, session: DeskSession, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def intro(self) -> Iterable[Widget]:
        """Widgets above the fields (context, warnings)."""
        return ()

    # --- layout -------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="form") as box:
            box.border_title = self.TITLE
            yield from self.intro()
            with VerticalScroll(classes="form-fields"):
                for f in self._fields:
                    with Vertical(classes=f"field field-{f.kind}", id=f"field-{f.name}"):
                        with Horizontal(classes="field-row"):
                            yield Label(f.label, classes="field-label")
                            yield self._widget(f)
                        yield Static("", classes="field-error", id=f"error-{f.name}")
            yield Static("", classes="form-error", id="form-error")
        yield Footer(compact=True)

    def _widget(self, f: FormField) -> Widget:
        wid = f"input-{f.name}"
        if f.kind == "select":
            return Select(f.options, value=f.value, allow_blank=False, compact=True, id=wid)
        if f.kind == "select_blank":
            value = f.value if f.value not in (None, "") else Select.NULL
            return Select(f.options, value=value, allow_blank=True, prompt="(none)", compact=True, id=wid)
        if f.kind == "textarea":
            return DeskTextArea(str(f.value or ""), soft_wrap=True, compact=True, id=wid)
        if f.kind == "checkbox":
            return Checkbox(f.placeholder, value=bool(f.value), compact=True, id=wid)
        return DeskInput(str(f.value or ""), placeholder=f.placeholder, compact=True, id=wid)

    def on_mount(self) -> None:
        target = self.FOCUS_FIELD or (self._fields[0].name if self._fields else None)
        if target:
            self.query_one(f"#input-{target}").focus()

    # --- values and saving ------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self._fields:
            widget = self.query_one(f"#input-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, DeskTextArea):
                out[f.name] = widget.text
            elif isinstance(widget, Checkbox):
                out[f.name] = widget.value
            elif isinstance(widget, Input):
                out[f.name] = widget.value
        return out

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self._run_save(self._save_in_thread, f"save {self.TITLE}")

    def _run_save(self, work: Callable[[dict[str, Any]], None], description: str) -> None:
        """One at a time: the values as typed go to `work` in a thread, so the database never blocks the UI."""
        if self._saving:
            return
        self._saving = True
        self._clear_errors()
        values = self.values()
        self.run_worker(lambda: work(values), thread=True, group="save", exit_on_error=False, description=description)

    def _save_in_thread(self, values: dict[str, Any]) -> None:
        from deskapp.core.records import ValidationFailed

        try:
            with self.desk_app.desk.write() as session:  # rolls back on any error: nothing half-saved
                result = self.save(session, values)
        except ValidationFailed as exc:
            self.post_message(self.Refused(exc.errors))
        except Exception as exc:
            self.app.log.error(f"saving {self.TITLE} failed: {exc!r}")
            self.post_message(self.Refused(None, describe_error(exc, f"saving {self.TITLE.lower()}")))
        else:
            self.post_message(self.Saved(result))

    @on(Saved)
    def _on_saved(self, message: Saved) -> None:
        self._saving = False
        self.dismiss(message.result)

    @on(Refused)
    def _on_refused(self, message: Refused) -> None:
        self._saving = False
        self.show_errors(message.errors, message.message)

    def _clear_errors(self) -> None:
        for error in self.query(".field-error").results(Static):
            error.update("")
            error.display = False
        for f in self.query(".field"):
            f.remove_class("-invalid")
        form_error = self.query_one("#form-error", Static)
        form_error.update("")
        form_error.display = False

    def field_for(self, core_name: str) -> FormField | None:
        return next((f for f in self._fields if core_name == f.name or core_name in f.also), None)

    def show_errors(self, errors: list[FieldError], general: str = "") -> None:
        """Each error under its field; errors for fields the form doesn't have go to the bottom line."""
        first: FormField | None = None
        loose: list[str] = [general] if general else []
        for error in errors:
            target = self.field_for(error.field)
            if target is None:
                loose.append(f"{error.field.replace('_', ' ')}: {error.message}" if error.field else error.message)
                continue
            label = self.query_one(f"#error-{target.name}", Static)
            label.update(Text(one_line(error.message)))
            label.display = True
            self.query_one(f"#field-{target.name}").add_class("-invalid")
            first = first or target
        if loose:
            form_error = self.query_one("#form-error", Static)
            form_error.update(Text(one_line(" · ".join(loose))))
            form_error.display = True
        if first is not None:
            self.query_one(f"#input-{first.name}").focus()

    @on(Input.Submitted)
    def _on_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.SUBMIT_ON_ENTER:
            self.action_save()
        else:
            self.focus_next()


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; `y`/Enter confirm, `n`/Escape cancel."""

    CSS_PATH = "forms.tcss"
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Text | str, title: str = "Are you sure?") -> None:
        super().__init__()
        self.question = question if isinstance(question, Text) else Text(question)
        self.box_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="form confirm") as box:
            box.border_title = self.box_title
            yield Static(self.question, classes="confirm-question")
        yield Footer(compact=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
