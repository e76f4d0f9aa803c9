"""Customers: search as you type, filter by stage, tag, owner and source, sort, open one, add one, and edit
many at once.

Built for 100,000 customers: every keystroke (debounced) asks the core's ranked, paged search for one page;
further pages load as the cursor nears the end, up to a cap, so the table never holds the whole desk.

Bulk edits: Space marks the current row (and moves on), Ctrl+A marks every loaded row (again: unmarks them),
Esc clears the marks. Marks are customer ids, so they stay while you search: collect customers from several
searches, then `b` chooses the change, one confirmation says what will happen to how many, and a worker runs
it. Ctrl+Z undoes the last bulk edit made here, as one step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from deskapp.tui.dialogs.activity_forms import LogInteractionForm
from deskapp.tui.dialogs.bulk import BulkForm
from deskapp.tui.dialogs.customer_forms import CustomerForm, CustomerSaved
from deskapp.tui.dialogs.forms import ConfirmScreen
from deskapp.tui.pages.paged import PagedListScreen
from deskapp.tui.text import cell, words
from deskapp.tui.widgets.inputs import DeskInput
from deskapp.tui.widgets.rows import CUSTOMER_COLUMNS, customer_row
from deskapp.tui.widgets.tables import DeskTable, Row

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.history import BulkChange, BulkResult
    from deskapp.core.records import CustomerRow, Page

PAGE = 100
CAP = 2000  # rows kept in the table; past this, narrowing the search is the better tool
DEBOUNCE_S = 0.15
MARK = Text("✓ ", style="bold green")  # before the name of a marked customer
STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy", "churned")
SORTS = (
    ("Best match / name", "best"),
    ("Name Z–A", "-name"),
    ("Newest first", "-created"),
    ("Oldest first", "created"),
    ("Stage", "stage"),
    ("Owner", "owner"),
)


@dataclass(frozen=True)
class Query:
    text: str = ""
    stage: str | None = None
    tag: str | None = None
    owner: str | None = None
    source: str | None = None
    sort: str | None = None
    generation: int = 0

    def search_kwargs(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "tag": self.tag,
            "owner": self.owner,
            "source": self.source,
            "sort": self.sort,
        }

    @property
    def filtered(self) -> bool:
        return bool(self.text.strip() or self.stage or self.tag or self.owner or self.source)


@dataclass(frozen=True)
class CustomersData:
    query: Query
    page: Page[CustomerRow]
    total: int | None
    choices: dict[str, list[str]] | None


class SearchInput(DeskInput):
    """Down arrow goes from the search box into the results."""

    BINDINGS = [Binding("down", "to_results", "Results", show=False, id="customers.to-results")]

    def action_to_results(self) -> None:
        self.screen.query_one("#customers", DeskTable).focus()


class CustomersScreen(PagedListScreen[Query, "CustomerRow"]):
    SECTION = "customers"
    TITLE = "Customers"
    CSS_PATH = "lists.tcss"
    TABLE_ID = "customers"
    ROW_CAP = CAP
    LOADING_MORE = "loading more customers"
    BINDINGS = [
        Binding("slash", "focus_search", "Search", id="customers.search"),
        Binding("ctrl+n", "new_customer", "New customer", id="customers.new"),
        Binding("l", "log_call", "Log call", id="customers.log-call"),
        Binding("ctrl+r", "clear_filters", "Reset filters", id="customers.reset"),
        # Shown only when they apply (see check_action): with nothing marked the page looks as before.
        Binding("space", "toggle_mark", "Mark", id="customers.mark"),
        Binding("ctrl+a", "mark_all", "Mark all loaded rows (again: unmark)", id="customers.mark-all", show=False),
        Binding("escape", "clear_marks", "Clear the marks", id="customers.clear-marks", show=False),
        Binding("b", "bulk_edit", "Bulk edit", id="customers.bulk"),
        Binding("ctrl+z", "undo_bulk", "Undo bulk edit", id="customers.undo-bulk"),
    ]
    AUTO_FOCUS = "#search"

    def __init__(self) -> None:
        super().__init__()
        self._debounce: Timer | None = None
        self._choices_loaded = False
        self._shown_generation = -1
        self._debounce_pending = False
        self._open_after_load = False
        self.marked: set[int] = set()  # customer ids, kept across searches
        self.last_bulk: int | None = None  # what Ctrl+Z undoes
        self._status_base = ""

    def compose_body(self) -> Iterable[Widget]:
        yield SearchInput(placeholder="Search name, company, e-mail, phone or tag…", id="search")
        with Horizontal(id="filters"):
            yield Select([(words(s), s) for s in STAGES], prompt="Stage: any", id="filter-stage", compact=True)
            yield Select([], prompt="Tag: any", id="filter-tag", compact=True)
            yield Select([], prompt="Owner: any", id="filter-owner", compact=True)
            yield Select([], prompt="Source: any", id="filter-source", compact=True)
            yield Select(SORTS, value="best", allow_blank=False, id="sort", compact=True)
        yield DeskTable(id="customers")
        yield Static("", id="customers-status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#customers", DeskTable).set_columns(*CUSTOMER_COLUMNS)

    # --- loading ------------------------------------------------------------------------------------------

    def _select(self, widget_id: str) -> str | None:
        value = self.query_one(widget_id, Select).value
        return None if value is Select.NULL or value is None else str(value)

    def reload(self) -> None:
        self._debounce_pending = False
        if self._debounce is not None:
            self._debounce.stop()
        super().reload()

    def params(self) -> Query:
        sort = self._select("#sort")
        return Query(
            text=self.query_one("#search", Input).value,
            stage=self._select("#filter-stage"),
            tag=self._select("#filter-tag"),
            owner=self._select("#filter-owner"),
            source=self._select("#filter-source"),
            sort=None if sort in (None, "best") else sort,
            generation=self._generation,
        )

    def fetch(self, session: DeskSession, params: Query) -> CustomersData:
        from deskapp.core import customers

        page = self.fetch_page(session, params, 0)
        total = None if params.filtered else customers.count_customers(session)
        choices = None
        if not self._choices_loaded:
            choices = {name: customers.distinct_values(session, name) for name in ("tags", "owner", "source")}
        return CustomersData(params, page, total, choices)

    def fetch_page(self, session: DeskSession, query: Query, offset: int) -> Page[CustomerRow]:
        from deskapp.core import customers

        return customers.search_customers(session, query.text, offset=offset, limit=PAGE, **query.search_kwargs())

    def show(self, data: CustomersData) -> None:
        if not self.answers_latest(data.query):
            return  # an older search finished after a newer one started
        self._shown_generation = data.query.generation
        if data.choices is not None:
            self._set_choices(data.choices)
        self.show_first_page(data.page)
        self._status(data.total)
        self.refresh_bindings()
        if self._open_after_load:
            self._open_after_load = False
            self.action_open()

    def _set_choices(self, choices: dict[str, list[str]]) -> None:
        self._choices_loaded = True
        for name, widget_id in (("tags", "#filter-tag"), ("owner", "#filter-owner"), ("source", "#filter-source")):
            select = self.query_one(widget_id, Select)
            current = select.value
            with self.prevent(Select.Changed):
                select.set_options([(cell(v), v) for v in choices[name]])
                if current is not Select.NULL and current in choices[name]:
                    select.value = current

    def _status(self, total: int | None = None) -> None:
        table = self.query_one("#customers", DeskTable)
        shown = table.row_count
        if total is not None:
            text = f"{shown:,} of {total:,} customers"
        elif shown == 0:
            text = "No customer matches. Ctrl+N adds one."
        else:
            text = f"{shown:,}{'+' if table.has_more else ''} matching"
        if table.has_more:
            text += " · more load as you scroll" if shown < CAP else " · narrow the search to see the rest"
        self._status_base = text
        self._show_status()

    def _show_status(self) -> None:
        text = self._status_base
        if self.marked:
            text += f" · {len(self.marked):,} selected"
        self.query_one("#customers-status", Static).update(Text(text))

    def more_shown(self) -> None:
        self._status()

    # --- typing and filters -------------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        """Debounced: a burst of keystrokes costs one query."""
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce_pending = True
        self._debounce = self.set_timer(DEBOUNCE_S, self.reload)

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self._shown_once:
            self.reload()

    @on(Input.Submitted, "#search")
    def _open_first(self) -> None:
        """Enter in the search box opens the best match (the highlighted row) -- of what was typed, even
        when that search is still on its way."""
        if self._debounce_pending:
            self._open_after_load = True
            self.reload()
        elif self._shown_generation != self._generation:
            self._open_after_load = True
        else:
            self.action_open()

    @property
    def search_settled(self) -> bool:
        """What is typed has been searched and shown: no keystroke waits on its debounce or its answer."""
        return not self._debounce_pending and self._shown_generation == self._generation

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear_filters(self) -> None:
        with self.prevent(Select.Changed, Input.Changed):
            for widget_id in ("#filter-stage", "#filter-tag", "#filter-owner", "#filter-source"):
                self.query_one(widget_id, Select).clear()
            self.query_one("#sort", Select).value = "best"
            self.query_one("#search", Input).value = ""
        self.reload()

    # --- actions on customers -----------------------------------------------------------------------------

    def selected(self) -> CustomerRow | None:
        model: CustomerRow | None = self.query_one("#customers", DeskTable).current_model()
        return model

    def action_open(self) -> None:
        row = self.selected()
        if row is not None:
            self.desk_app.open_customer(row.id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_log_call(self) -> None:
        row = self.selected()
        if row is not None:
            self.app.push_screen(LogInteractionForm(row.id, row.name), self.form_done)

    def action_new_customer(self) -> None:
        def added(result: CustomerSaved | None) -> None:
            if result is not None:
                self.desk_app.note_change()
                self.notify(str(result), markup=False)
                self._choices_loaded = False
                self.reload()
                self.desk_app.open_customer(result.customer_id)

        self.app.push_screen(CustomerForm(), added)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        on_table = isinstance(self.focused, DeskTable) and self.selected() is not None
        if action in ("log_call", "toggle_mark", "mark_all"):
            return on_table
        if action == "clear_marks":
            return bool(self.marked)
        if action == "bulk_edit":
            return bool(self.marked) and isinstance(self.focused, DeskTable)
        if action == "undo_bulk":
            return self.last_bulk is not None
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def desk_changed(self) -> None:
        """After a live change: owners, tags and sources may have new values too."""
        self._choices_loaded = False
        self.reload()

    # --- marks and bulk edits ---------------------------------------------------------------------------

    def row(self, item: CustomerRow) -> Row:
        key, cells, model = customer_row(item)
        if item.id in self.marked:
            cells = (Text.assemble(MARK, cells[0], no_wrap=True, overflow="ellipsis"), *cells[1:])
        return key, cells, model

    def _repaint(self, ids: Iterable[int]) -> None:
        """Redraw the name cell of these customers (where loaded) with or without the mark."""
        table = self.query_one("#customers", DeskTable)
        for cid in ids:
            model = table.models.get(str(cid))
            if model is not None:
                table.update_cell(str(cid), "name", self.row(model)[1][0])
        self._show_status()
        self.refresh_bindings()

    def action_toggle_mark(self) -> None:
        row = self.selected()
        if row is None:
            return
        self.marked.symmetric_difference_update({row.id})
        self._repaint([row.id])
        self.query_one("#customers", DeskTable).action_cursor_down()

    def action_mark_all(self) -> None:
        """Mark every loaded row; when they all are marked already, unmark them."""
        loaded = {model.id for model in self.query_one("#customers", DeskTable).models.values()}
        if loaded <= self.marked:
            self.marked -= loaded
        else:
            self.marked |= loaded
        self._repaint(loaded)

    def action_clear_marks(self) -> None:
        cleared, self.marked = self.marked, set()
        self._repaint(cleared)

    def _key_for(self, action: str) -> str:
        """The key an action has now (the user may have remapped it)."""
        keymap: dict[str, str] = getattr(self.app, "_keymap", None) or {}
        for _key, binding in self._bindings:
            if binding.action == action:
                key = keymap.get(binding.id, binding.key) if binding.id else binding.key
                return self.app.get_key_display(Binding(key.split(",")[0].strip(), action))
        return action

    def _bulk_running(self) -> bool:
        """A write of this page (a bulk edit or its undo) still in its worker: a second key press is ignored."""
        return any(w.node is self and w.group == "write" and not w.is_finished for w in self.app.workers)

    def action_bulk_edit(self) -> None:
        if not self.marked or self._bulk_running():
            return
        ids = sorted(self.marked)

        def chosen(change: BulkChange | None) -> None:
            if change is not None:
                question = Text(change.question(len(ids)))  # a tag is data: Text, never markup
                self.app.push_screen(ConfirmScreen(question, title="Bulk edit"), lambda yes: confirmed(yes, change))

        def confirmed(yes: bool | None, change: BulkChange) -> None:
            if yes:
                self.run_bulk(ids, change)

        self.app.push_screen(BulkForm(len(ids)), chosen)

    def run_bulk(self, ids: list[int], change: BulkChange) -> None:
        """The edit in a write worker; then the list reloads, the marks clear and Ctrl+Z can undo it."""
        undo_key = self._key_for("undo_bulk")

        def edit(session: DeskSession) -> BulkResult:
            from deskapp.core.history import bulk_edit

            return bulk_edit(session, ids, change)

        def told(result: BulkResult) -> str:
            return result.summary() + (f". {undo_key} undoes it." if result.bulk_id is not None else ".")

        def after(result: BulkResult) -> None:
            self.marked.clear()
            self._choices_loaded = False  # a new tag or owner belongs in the filters
            if result.bulk_id is not None:
                self.last_bulk = result.bulk_id

        self.write(f"bulk editing {len(ids)} customers", edit, message=told, after=after)

    def action_undo_bulk(self) -> None:
        bulk_id = self.last_bulk
        if bulk_id is None or self._bulk_running():
            return

        def undo(session: DeskSession) -> str:
            from deskapp.core.history import undo_bulk

            return undo_bulk(session, bulk_id).summary() + "."

        def after(_summary: str) -> None:
            if self.last_bulk == bulk_id:
                self.last_bulk = None
            self._choices_loaded = False

        self.write("undoing the bulk edit", undo, after=after)
