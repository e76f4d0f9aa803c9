"""Likely duplicates on import: a row that would create a new customer but is probably someone the desk
(or an earlier row of the same file) already has.

A row only gets here when `write_customers._match` found no customer by external id or e-mail, so these
are the copies that differ: "Anna.Berg+shop@gmail.com" beside "annaberg@gmail.com", "070-123 45 67"
beside "+46701234567", "Berg, Anna" beside "Anna Berg" with an accent lost. Each is reported (line, the
customer it looks like, score and reasons); with `--duplicates skip` it is also left out and counted as
skipped, so a nightly job does not pile up copies.

Cost: one `duplicates.DuplicateIndex` per import, built at the first batch that has new customers (an
import that only updates never builds it), then a few dict look-ups per new row. Each accepted new row
joins the index under a provisional id (minus its line), so a later row of the same file finds it too.
Two choices keep it cheap on 100,000 rows:

- The rows are already clean (E.164 phones, dates, lower-case addresses), so profiles are made with
  `matching.make_profile` directly; `likely_duplicates.profile_from_fields` would validate each phone again.
- The threshold (60) is above what a name alone can add (44), so a pair needs an e-mail, phone, company or
  birthday in common, and each of those has its own blocking key: the name-only keys are not built (as
  `find_duplicates` does), and keys shared by more than `MAX_BLOCK` customers (a shop's own phone on every
  walk-in) are passed over: they tell nothing about who is who. Two unrelated people with a common name
  share no key and are never compared.

Measured with benchmarks/import_bench.py (100,000 new customers into an empty desk, the worst case: every
row is new and checked against every earlier one): about +25% time and +130 MB peak; a nightly file with
1,000 new customers into a desk of 100,000 pays about 2 s once, for the index. `MAX_FILE_ROWS` bounds
what a very large file adds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.hygiene import (
    DEFAULT_MIN_SCORE,
    MAX_NAME_POINTS,
    DuplicateIndex,
    Profile,
    blocking_keys,
    gc_paused,
    make_profile,
    score_pair,
)
from deskapp.core.io.importing.rows import CleanRow
from deskapp.core.io.importing.sources import ImportFileError
from deskapp.core.records import Customer

DUPLICATES_OPTIONS = ("create", "skip")
MIN_SCORE = DEFAULT_MIN_SCORE
NAME_KEYS = MIN_SCORE <= MAX_NAME_POINTS  # False: a name alone can't reach the threshold
# New rows of one file kept in the index (about 1.3 kB each with their keys): an import streams, and a file
# of a million customers must not hold them all. Later rows are still checked against the desk and these.
MAX_FILE_ROWS = 20_000  # about 1.3 kB each: keeps a million-row import under its 300 MB


def check_duplicates_option(value: str, kind: str) -> None:
    if value not in DUPLICATES_OPTIONS:
        raise ImportFileError(f"--duplicates must be create or skip, not {value!r}")
    if value == "skip" and kind != "customers":
        raise ImportFileError(f"--duplicates skip is for customers imports; {kind} rows are not checked for duplicates")


@dataclass(slots=True)
class LikelyDuplicateRow:
    """One row of the file that looks like a customer already there (or created by an earlier row)."""

    line: int
    name: str
    customer_id: int | None  # None only while the earlier row of the same batch is not inserted yet
    customer_name: str
    score: int
    reasons: tuple[str, ...]
    skipped: bool
    same_file_line: int | None = None  # the earlier line of this file it looks like (None: a customer before)

    def describe(self) -> str:
        """ "line 14 Anna Berg looks like customer 12 Anna Berg: same phone, same name"."""
        if self.same_file_line is None:
            other = f"customer {self.customer_id} {self.customer_name}"
        else:
            other = f"line {self.same_file_line} {self.customer_name} (new in this file)"
        return f"line {self.line} {self.name} looks like {other}: {', '.join(self.reasons)}"

    def as_dict(self, *, committed: bool = True) -> dict[str, Any]:
        # A customer created by this file exists only if the import committed.
        exists = self.same_file_line is None or committed
        return {
            "line": self.line,
            "name": self.name,
            "customer_id": self.customer_id if exists else None,
            "customer_name": self.customer_name,
            "score": self.score,
            "reasons": list(self.reasons),
            "skipped": self.skipped,
            "same_file_line": self.same_file_line,
        }


def row_profile(values: dict[str, Any], profile_id: int = 0) -> Profile:
    """A clean row as matching sees it. Without its external id: a row that shared one with a customer
    was matched to it, so here it can only differ, which scores nothing (and saves a key per row)."""
    get = values.get
    return make_profile(
        profile_id,
        str(get("name") or ""),
        email=get("email") or "",
        phone=get("phone") or "",
        company=get("company") or "",
        birthday=get("birthday"),
    )


def exact_points(a: Profile, b: Profile) -> int:
    """`matching.exact_evidence`'s points without its reasons (for profiles without external ids), about
    three times cheaper: the check's inner loop asks it first, and only the candidates it lets through are
    scored in full (tests/core/importing/test_import_duplicates.py keeps the two equal)."""
    points = 0
    if a.email_key and b.email_key:
        points += 60 if a.email_key == b.email_key else -10
    if a.phone and b.phone:
        points += 50 if a.phone == b.phone else -10
    if a.company and a.company == b.company:
        points += 20
    if a.birthday and b.birthday:
        points += 20 if a.birthday == b.birthday else -40
    return points


def desk_index(session: Session) -> DuplicateIndex:
    """Every customer (archived ones too: a lost customer coming back is worth knowing), without external
    ids for the same reason as `row_profile`."""
    columns = (Customer.id, Customer.name, Customer.email, Customer.phone, Customer.company, Customer.birthday)
    rows = session.connection().execute(select(*(col(c) for c in columns)).order_by(col(Customer.id)))
    return DuplicateIndex.from_rows((tuple(r) + (None,) for r in rows), name_keys=NAME_KEYS)


class LikelyCheck:
    """The likely-duplicate check of one customers import; reports into the import's summary."""

    def __init__(self, mode: str, summary: Any, *, kept: int = 1000) -> None:
        self.skip = mode == "skip"
        self.summary = summary  # an ImportSummary: likely_duplicates, likely_duplicates_total, timings
        self.kept = kept
        self.index: DuplicateIndex | None = None
        self.created_ids: dict[int, int] = {}  # line -> the customer it created
        self._waiting: list[LikelyDuplicateRow] = []  # reports on rows of this batch not inserted yet
        self.file_rows = 0  # new rows of this file in the index
        self.max_file_rows = MAX_FILE_ROWS
        self.file_full = False

    @classmethod
    def for_import(cls, kind: str, mode: str, summary: Any) -> LikelyCheck | None:
        return cls(mode, summary) if kind == "customers" else None

    def screen(self, session: Any, rows: Sequence[CleanRow], counts: Any) -> list[CleanRow]:
        """The rows to create: every row is checked, the likely duplicates reported, and with skip left out
        (counted in `counts.skipped`)."""
        if not rows:
            return list(rows)
        started = time.perf_counter()
        if self.index is None:
            self.index = desk_index(session)
        keep = []
        with gc_paused():  # many small acyclic objects: see duplicates.gc_paused
            for row in rows:
                probe = row_profile(row.values, -row.line)  # a provisional id until the row is inserted
                keys = blocking_keys(probe, name_only=NAME_KEYS)
                best = self._best(probe, keys)
                if best is not None:
                    self._report(row, probe, *best)
                    if self.skip:
                        counts.skipped += 1
                        continue
                keep.append(row)
                if self.file_rows >= self.max_file_rows:
                    self._file_full()
                    continue
                self.file_rows += 1
                self.index.add(probe, keys)
        self._time(started)
        return keep

    def created(self, rows: Sequence[CleanRow], ids: Sequence[int]) -> None:
        """The customers the kept rows became: later reports (and this batch's) name them by id."""
        profiles = self.index.profiles if self.index is not None else {}
        for row, customer_id in zip(rows, ids, strict=True):
            if -row.line in profiles:  # only rows a later one can be found like
                self.created_ids[row.line] = customer_id
        for found in self._waiting:
            found.customer_id = self.created_ids.get(found.same_file_line or 0)
        self._waiting = []

    def _best(self, probe: Profile, keys: list[str]) -> tuple[int, int, tuple[str, ...]] | None:
        """(other id, score, reasons) of the best match at or above the threshold: existing customers
        before rows of this file, then the lowest id."""
        assert self.index is not None
        blocks, profiles, limit = self.index.blocks, self.index.profiles, self.index.max_block
        best: tuple[int, int, tuple[str, ...]] | None = None
        seen: set[int] = set()
        needed = MIN_SCORE - MAX_NAME_POINTS
        for key in keys:
            ids = blocks.get(key)
            if not ids or len(ids) > limit:
                continue
            for other in ids:
                if other in seen:
                    continue
                seen.add(other)
                them = profiles[other]
                if exact_points(probe, them) < needed:  # most candidates (same company, other e-mails) stop here
                    continue
                scored = score_pair(probe, them, min_score=MIN_SCORE)
                if scored is None:
                    continue
                if best is None or (-scored[0], other < 0, abs(other)) < (-best[1], best[0] < 0, abs(best[0])):
                    best = (other, scored[0], scored[1])
        return best

    def _report(self, row: CleanRow, probe: Profile, other: int, score: int, reasons: tuple[str, ...]) -> None:
        summary = self.summary
        summary.likely_duplicates_total += 1
        if len(summary.likely_duplicates) >= self.kept:
            return
        assert self.index is not None
        other_name = self.index.profiles[other].name
        found = LikelyDuplicateRow(row.line, probe.name, other, other_name, score, reasons, self.skip)
        if other < 0:
            found.same_file_line = -other
            found.customer_id = self.created_ids.get(-other)
            if found.customer_id is None:
                self._waiting.append(found)
        summary.likely_duplicates.append(found)

    def _file_full(self) -> None:
        if not self.file_full:
            self.file_full = True
            self.summary.notices.append(
                f"likely duplicates: new rows after the first {self.max_file_rows:,} were checked against the "
                "desk and those rows, not against each other (to keep the import's memory bounded)"
            )

    def _time(self, started: float) -> None:
        timings = self.summary.timings
        timings["duplicates"] = timings.get("duplicates", 0.0) + time.perf_counter() - started


__all__ = ["DUPLICATES_OPTIONS", "LikelyCheck", "LikelyDuplicateRow", "check_duplicates_option", "row_profile"]
