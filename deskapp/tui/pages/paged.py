"""A page whose list is a search paged by the database: the first page when the query changes, further pages
as the cursor nears the end (up to a cap, if the page has one), stale answers dropped.

Customers and Follow-ups are such pages. Each query carries a generation: a page loaded for an older query
(typing moved on, a filter changed) is thrown away instead of replacing newer rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from textual import on
from textual.message import Message
from textual.worker import get_current_worker

from deskapp.tui.data import guard
from deskapp.tui.pages.base import DeskScreen
from deskapp.tui.widgets.tables import DeskTable, Row

if TYPE_CHECKING:
    from deskapp.core.db import DeskSession
    from deskapp.core.records import Page


class PagedQuery(Protocol):
    @property
    def generation(self) -> int: ...


Q = TypeVar("Q", bound=PagedQuery)
R = TypeVar("R")


class PagedListScreen(DeskScreen, Generic[Q, R]):
    TABLE_ID: ClassVar[str] = ""  # the DeskTable the pages go into
    ROW_CAP: ClassVar[int | None] = None  # rows kept at most; past this, narrowing the search is the better tool
    LOADING_MORE: ClassVar[str] = "loading more rows"  # for the error notification

    class MoreLoaded(Message, bubble=False):
        def __init__(self, generation: int, page: Page[Any]) -> None:
            self.generation, self.page = generation, page
            super().__init__()

    def __init__(self) -> None:
        super().__init__()
        self._generation = 0
        self._loading_more = False

    # --- what a page says -----------------------------------------------------------------------------

    def params(self) -> Q:
        raise NotImplementedError

    def fetch_page(self, session: DeskSession, query: Q, offset: int) -> Page[R]:
        """Runs in a worker thread: one page of the list from the core."""
        raise NotImplementedError

    def row(self, item: R) -> Row:
        raise NotImplementedError

    def more_shown(self) -> None:
        """After rows were appended (to update a status line)."""

    # --- the shared steps -------------------------------------------------------------------------------

    def list_table(self) -> DeskTable:
        return self.query_one(f"#{self.TABLE_ID}", DeskTable)

    def reload(self) -> None:
        self._generation += 1
        super().reload()

    def answers_latest(self, query: Q) -> bool:
        """False for the answer to an older query (a newer one started since)."""
        return query.generation == self._generation

    def show_first_page(self, page: Page[R]) -> None:
        self.list_table().set_rows((self.row(r) for r in page.items), has_more=page.has_more)
        self._loading_more = False

    @on(DeskTable.NearEnd)
    def _load_more(self, message: DeskTable.NearEnd) -> None:
        table = self.list_table()
        if message.control is not table or self._loading_more or not table.near_end():
            return
        if self.ROW_CAP is not None and table.row_count >= self.ROW_CAP:
            return
        self._loading_more = True
        query, offset = self.params(), table.row_count

        def more() -> None:
            worker = get_current_worker()
            with guard(self.app, self.LOADING_MORE), self.desk_app.desk.read() as session:
                page = self.fetch_page(session, query, offset)
                if not worker.is_cancelled:
                    self.post_message(self.MoreLoaded(query.generation, page))

        self.run_worker(more, thread=True, exclusive=True, group="more", exit_on_error=False)

    @on(MoreLoaded)
    def _more_loaded(self, message: MoreLoaded) -> None:
        self._loading_more = False
        if message.generation != self._generation:
            return
        self.list_table().append_rows((self.row(r) for r in message.page.items), has_more=message.page.has_more)
        self.more_shown()
