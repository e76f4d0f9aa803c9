"""Finding customers entered twice: every likely pair in the desk, and matches for one record about to be
created.

Never all pairs: each customer is filed under a few blocking keys (see `matching.blocking_keys`) and only
customers sharing a key are scored. A key shared by more than `MAX_BLOCK` customers (a shop's own
info@ address on every walk-in, or the hundredth "Anna Berg") tells nothing about who is who; those blocks
are skipped and reported, and the pairs in them are still found through their other keys. 100,000
customers take a few seconds (benchmarks/duplicates_bench.py).
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from deskapp.core.hygiene.matching import (
    DEFAULT_MIN_SCORE,
    MAX_NAME_POINTS,
    Profile,
    blocking_keys,
    make_profile,
    score_pair,
)
from deskapp.core.records import Customer

MAX_BLOCK = 60
NAME_CANDIDATES = 50  # on create: the best name matches from the search index that are scored


@dataclass(frozen=True)
class PairSide:
    id: int
    name: str
    email: str
    phone: str
    company: str


@dataclass(frozen=True)
class DuplicatePair:
    """Two customers that are probably one person; `a` is the one with the lower id."""

    a: PairSide
    b: PairSide
    score: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DuplicateReport:
    pairs: tuple[DuplicatePair, ...]
    customers: int  # customers looked at
    compared: int  # candidate pairs scored
    skipped_blocks: tuple[tuple[str, int], ...]  # (key, customers sharing it), largest first
    seconds: float


Match = tuple[int, int, tuple[str, ...]]  # (customer id, score, reasons)


class DuplicateIndex:
    """Profiles filed by blocking key. Built once from the desk, it answers "who is this like?" in
    microseconds, so a batch writer (the importer) can check every row without a query per row."""

    def __init__(self, *, max_block: int = MAX_BLOCK, name_keys: bool = True) -> None:
        self.max_block = max_block
        self.name_keys = name_keys  # file under keys from the name alone (see `blocking_keys`)
        self.profiles: dict[int, Profile] = {}
        self.blocks: defaultdict[str, list[int]] = defaultdict(list)

    def add(self, profile: Profile, keys: Iterable[str] | None = None) -> None:
        """File a profile under its blocking keys (`keys`: already made by the caller, else made here)."""
        self.profiles[profile.id] = profile
        blocks = self.blocks
        if keys is None:
            keys = blocking_keys(profile, name_only=self.name_keys)
        for key in dict.fromkeys(keys):  # "Müller Müller": once
            blocks[key].append(profile.id)

    @classmethod
    def from_rows(cls, rows: Iterable[Any], *, max_block: int = MAX_BLOCK, name_keys: bool = True) -> DuplicateIndex:
        index = cls(max_block=max_block, name_keys=name_keys)
        with gc_paused():
            for row in rows:
                index.add(_profile(*row))
        return index

    @classmethod
    def from_session(
        cls, session: Session, *, include_archived: bool = False, name_keys: bool = True
    ) -> DuplicateIndex:
        return cls.from_rows(_load(session, include_archived), name_keys=name_keys)

    def oversized(self) -> list[tuple[str, int]]:
        big = [(k, len(ids)) for k, ids in self.blocks.items() if len(ids) > self.max_block]
        return sorted(big, key=lambda kv: (-kv[1], kv[0]))

    def candidate_pairs(self) -> Iterator[tuple[int, int]]:
        """Each pair of ids sharing at least one block that is not oversized, once, lower id first."""
        seen: set[int] = set()
        for ids in self.blocks.values():
            n = len(ids)
            if n < 2 or n > self.max_block:
                continue
            for i in range(n - 1):
                x = ids[i]
                for y in ids[i + 1 :]:
                    if x == y:
                        continue
                    a, b = (x, y) if x < y else (y, x)
                    code = a << 32 | b
                    if code not in seen:
                        seen.add(code)
                        yield a, b

    def matches(
        self, profile: Profile, *, min_score: int = DEFAULT_MIN_SCORE
    ) -> list[tuple[int, int, tuple[str, ...]]]:
        """(id, score, reasons) of the indexed customers like `profile`, best first. Oversized blocks are
        scanned too: one record against a few hundred is cheap."""
        found = []
        seen = {profile.id}
        for key in blocking_keys(profile):
            for other_id in self.blocks.get(key, ()):
                if other_id in seen:
                    continue
                seen.add(other_id)
                scored = score_pair(profile, self.profiles[other_id], min_score=min_score)
                if scored is not None:
                    found.append((other_id, scored[0], scored[1]))
        return sorted(found, key=lambda f: (-f[1], f[0]))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of small acyclic objects (profiles,
    keys, lists) are made: its generation-0 passes otherwise take two thirds of the time (measured:
    index of 100,000 customers 2.3 s -> 0.8 s). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_COLUMNS = (
    Customer.id,
    Customer.name,
    Customer.email,
    Customer.phone,
    Customer.company,
    Customer.birthday,
    Customer.external_id,
)


Row = tuple[int, str, str, str, str, Any, Any]  # the _COLUMNS, as a plain tuple


def _load(session: Session, include_archived: bool) -> list[Row]:
    """The matching columns of every customer as plain tuples (a third faster than Row attributes)."""
    stmt = select(*(col(c) for c in _COLUMNS)).order_by(col(Customer.id))
    if not include_archived:
        stmt = stmt.where(col(Customer.archived).is_(False))
    return [tuple(r) for r in session.connection().execute(stmt)]


def _profile(
    customer_id: int, name: str, email: str, phone: str, company: str, birthday: Any, external_id: Any
) -> Profile:
    return make_profile(
        customer_id, name, email=email, phone=phone, company=company, birthday=birthday, external_id=external_id
    )


def find_duplicates(
    session: Session,
    *,
    min_score: int = DEFAULT_MIN_SCORE,
    limit: int | None = None,
    include_archived: bool = False,
    max_block: int = MAX_BLOCK,
) -> DuplicateReport:
    """Every pair of customers scoring at least `min_score`, best first (then by ids).

    Above the most a name alone can add (44), pairs sharing only a name key are not even formed: such a
    pair needs an e-mail, phone, company or birthday in common, and each of those has its own key.
    """
    started = time.perf_counter()
    with gc_paused():
        rows = _load(session, include_archived)
        index = DuplicateIndex.from_rows(rows, max_block=max_block, name_keys=min_score <= MAX_NAME_POINTS)
        profiles = index.profiles
        scored: list[tuple[int, int, int, tuple[str, ...]]] = []
        compared = 0
        for a, b in index.candidate_pairs():
            compared += 1
            result = score_pair(profiles[a], profiles[b], min_score=min_score)
            if result is not None:
                scored.append((result[0], a, b, result[1]))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    if limit is not None:
        scored = scored[:limit]
    by_id = {r[0]: r for r in rows}

    def side(customer_id: int) -> PairSide:
        _, name, email, phone, company, _, _ = by_id[customer_id]
        return PairSide(customer_id, name, email, phone, company)

    pairs = tuple(DuplicatePair(side(a), side(b), score, reasons) for score, a, b, reasons in scored)
    return DuplicateReport(
        pairs=pairs,
        customers=len(rows),
        compared=compared,
        skipped_blocks=tuple(index.oversized()),
        seconds=time.perf_counter() - started,
    )


# The on-create check lives beside this module; it is part of the same public surface.
from deskapp.core.hygiene.likely import (  # noqa: E402
    LikelyDuplicate,
    likely_duplicates_of,
    pair_score,
    profile_from_fields,
)

__all__ = [
    "MAX_BLOCK",
    "DuplicateIndex",
    "DuplicatePair",
    "DuplicateReport",
    "LikelyDuplicate",
    "PairSide",
    "find_duplicates",
    "likely_duplicates_of",
    "pair_score",
    "profile_from_fields",
]
