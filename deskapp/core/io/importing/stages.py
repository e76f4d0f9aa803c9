"""The stages of the customers an import touches, kept in memory and written once, at the end, in order.

Replaying the lifecycle rules needs each customer's current stage and (for purchases) their earliest
order. Reading those per batch and writing stage moves per batch costs two random page visits per row in
a desk larger than SQLite's cache: at a million purchases that was most of the import's time. So the
import keeps them here instead: a byte per customer id for the stage, a float for the first order, a
counter of moves (for the version bump). A big import reads them for all customers in two index scans
first; stage changes collect in a temporary table. `finish` then inserts the stage changes ordered by
customer and updates the customers in id order, so both walk their pages once, front to back.

On engines other than SQLite (no temporary table trick, no raw cursor) the same book is written per batch.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import column, insert, literal, select, table, update

from deskapp.core.io.importing.store import Store, parse_moment
from deskapp.core.io.importing.write_customers import STAGE_CHANGE
from deskapp.core.records import Customer, ImportPrior, Stage, table_of

STAGES = list(Stage)
CODES = {stage: code for code, stage in enumerate(STAGES)}
UNKNOWN = 255
PRELOAD_AFTER_ROWS = 50_000  # from here on, two scans are cheaper than looking customers up batch by batch
STAGE_CHANGE_COLUMNS = ("customer_id", "from_stage", "to_stage", "at", "reason", "churn_reason", "staff", "automatic")
_TEMP = "temp.deskapp_import_stage_change"


class StageBook:
    DEFER = True  # tests switch this off to run the other engines' path on SQLite

    def __init__(self, store: Store, *, purchases: bool) -> None:
        self.store = store
        self.purchases = purchases
        self.stage = bytearray()
        self.first = array("d")
        self.moves = array("H")
        self.preloaded = False
        self.deferred = store.sqlite and self.DEFER
        self._pending: list[tuple[Any, ...]] = []  # stage changes not yet written (other engines)
        self._temp_made = False
        self.import_batch: int | None = None  # where the stages from before a move are kept (import_prior)

    def _grow(self, cid: int) -> None:
        missing = cid + 1 - len(self.stage)
        if missing > 0:
            extra = max(missing, len(self.stage) // 2, 1024)
            self.stage.extend(b"\xff" * extra)
            self.first.extend([math.nan] * extra)
            self.moves.extend([0] * extra)

    def _fill(self, rows: Any, firsts: Any) -> None:
        for cid, stage in rows:
            self._grow(cid)
            if self.stage[cid] == UNKNOWN:
                self.stage[cid] = CODES[Stage(stage)]
                self.first[cid] = math.nan
        for cid, first in firsts:
            if self.moves[cid] == 0 and not self._seen_first(cid):
                self.first[cid] = parse_moment(first).timestamp()  # type: ignore[union-attr]  # a MIN over rows that exist

    def _seen_first(self, cid: int) -> bool:
        return not math.isnan(self.first[cid])

    def ensure(self, cids: set[int], rows_so_far: int) -> None:
        """Make sure every customer in `cids` is in the book (reading the ones not seen yet)."""
        if not self.preloaded and rows_so_far >= PRELOAD_AFTER_ROWS:
            self.preloaded = True
            self._fill(
                self.store.fetch_all("SELECT id, stage FROM customer"),
                self.store.fetch_all("SELECT customer_id, min(ordered_at) FROM purchase GROUP BY customer_id")
                if self.purchases
                else (),
            )
        for cid in cids:
            self._grow(cid)
        unknown = [cid for cid in cids if self.stage[cid] == UNKNOWN]
        if unknown:
            firsts = (
                self.store.fetch(
                    "SELECT customer_id, min(ordered_at) FROM purchase WHERE customer_id IN {keys}"
                    " GROUP BY customer_id",
                    unknown,
                )
                if self.purchases
                else ()
            )
            self._fill(self.store.fetch("SELECT id, stage FROM customer WHERE id IN {keys}", unknown), firsts)

    def known_new(self, cid: int) -> None:
        """A customer this import created: awareness, no orders."""
        self._grow(cid)
        self.stage[cid] = CODES[Stage.AWARENESS]

    def get(self, cid: int) -> Stage:
        return STAGES[self.stage[cid]]

    def earliest(self, cid: int) -> float | None:
        value = self.first[cid]
        return None if math.isnan(value) else value

    def note_order(self, cid: int, at: datetime) -> None:
        stamp = at.timestamp()
        if math.isnan(self.first[cid]) or stamp < self.first[cid]:
            self.first[cid] = stamp

    def move(self, cid: int, to: Stage, at: datetime, reason: str, staff: str) -> None:
        self._pending.append((cid, self.get(cid), to, at, reason, None, staff, True))
        self.stage[cid] = CODES[to]
        self.moves[cid] += 1

    def end_batch(self, now: datetime) -> list[int]:
        """Per batch: park the batch's stage changes (SQLite) or write them now (elsewhere). Returns new ids."""
        rows, self._pending = self._pending, []
        if not rows:
            return []
        if self.deferred:
            if not self._temp_made:
                columns = ", ".join(STAGE_CHANGE_COLUMNS)
                self.store.conn.exec_driver_sql(f"CREATE TEMP TABLE {_TEMP[5:]} (seq INTEGER PRIMARY KEY, {columns})")
                self._temp_made = True
            self.store.insert_raw(_TEMP, STAGE_CHANGE_COLUMNS, rows, like=STAGE_CHANGE)
            return []
        ids = self.store.insert_ids(STAGE_CHANGE, STAGE_CHANGE_COLUMNS, rows)
        self._update_customers(now, list({r[0] for r in rows}))
        return ids

    def _moved(self) -> Iterator[tuple[Stage, int, int]]:
        """(stage, moves, id) of every customer that moved, in id order, without building a list."""
        stage, moves = self.stage, self.moves
        for cid in range(len(moves)):
            if moves[cid]:
                yield STAGES[stage[cid]], moves[cid], cid
                moves[cid] = 0

    def _remember(self, moved: Any) -> None:
        """Keep the stored stage, version and updated_at of the customers about to move (`moved`: their ids,
        or a query of them) in import_prior, in SQL: an undo puts them back. A customer moved in an
        earlier batch of this import keeps the values from before the first."""
        if self.import_batch is None:
            return
        prior, customer = table_of(ImportPrior), table_of(Customer)
        already = select(prior.c.customer_id).where(prior.c.batch_id == self.import_batch)
        rows = select(
            literal(self.import_batch), customer.c.id, customer.c.stage, customer.c.version, customer.c.updated_at
        ).where(customer.c.id.in_(moved), customer.c.id.not_in(already))
        columns = ["batch_id", "customer_id", "stage", "version", "updated_at"]
        self.store.conn.execute(insert(prior).from_select(columns, rows))

    def seal(self) -> None:
        """At the end of the import: note the version each moved customer was left at, so an undo can tell
        a later save (even one within the same second) from the import's own."""
        if self.import_batch is None:
            return
        prior, customer = table_of(ImportPrior), table_of(Customer)
        now = select(customer.c.version).where(customer.c.id == prior.c.customer_id).scalar_subquery()
        self.store.conn.execute(update(prior).where(prior.c.batch_id == self.import_batch).values(version_after=now))

    def _update_customers(self, now: datetime, cids: list[int]) -> None:
        """Other engines, per batch: these customers' stages (few, so a list is fine)."""
        self._remember(cids)
        self.store.bump_customers(((STAGES[self.stage[c]], self.moves[c], c) for c in sorted(cids)), now)
        for cid in cids:
            self.moves[cid] = 0

    def finish(self, now: datetime) -> list[int]:
        """Write what was deferred: stage changes by customer, then the customers' stages in id order."""
        if not self.deferred or not self._temp_made:
            return []
        columns = ", ".join(STAGE_CHANGE_COLUMNS)
        self.store.restore_cache()  # the sort below takes as much memory as the page cache may: keep both small
        before = self.store.conn.exec_driver_sql("SELECT max(id) FROM stage_change").scalar() or 0
        self.store.conn.exec_driver_sql(
            f"INSERT INTO {STAGE_CHANGE.name} ({columns}) SELECT {columns} FROM {_TEMP} ORDER BY customer_id, seq"
        )
        after = self.store.conn.exec_driver_sql("SELECT max(id) FROM stage_change").scalar() or 0
        self._remember(select(column("customer_id")).select_from(table(_TEMP[5:], schema="temp")).distinct())
        self.store.conn.exec_driver_sql(f"DROP TABLE {_TEMP}")
        self._temp_made = False
        self.store.bump_customers(self._moved(), now)
        return list(range(before + 1, after + 1))
